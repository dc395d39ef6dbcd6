//! Evaluations: datasets and their questions, runs (start, stop, resume, results, CSV), the
//! comparison of two runs, metrics and people's scores.

use ejento_api::{
    DeleteEvaluations, Evaluation, EvaluationComparison, EvaluationDataset, EvaluationDatasetInput,
    EvaluationDatasetPage, EvaluationInput, EvaluationMetric, EvaluationMetricInput, EvaluationPage, EvaluationQuery,
    EvaluationQueryInput, EvaluationQueryPage, EvaluationQueryUpdate, EvaluationUpdate, MetricScoreInput, QueryResult,
    QueryResultPage, QueryResultUpdate,
};

use super::{ApiError, Method, call, get, query};

pub async fn datasets(agent: i64, search: &str, page: u64) -> Result<EvaluationDatasetPage, ApiError> {
    get(&format!(
        "/api/v2/agents/{agent}/evaluation-datasets?{}",
        query(&[("search", search), ("page", &page.to_string())])
    ))
    .await
}

pub async fn create_dataset(agent: i64, body: &EvaluationDatasetInput) -> Result<EvaluationDataset, ApiError> {
    Ok(call(
        Method::Post,
        &format!("/api/v2/agents/{agent}/evaluation-datasets"),
        Some(body),
    )
    .await?
    .data)
}

pub async fn dataset(id: i64) -> Result<EvaluationDataset, ApiError> {
    get(&format!("/api/v2/evaluation-datasets/{id}")).await
}

pub async fn delete_dataset(id: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(Method::Delete, &format!("/api/v2/evaluation-datasets/{id}"), None)
        .await
        .map(|_| ())
}

pub async fn queries(dataset: i64, page: u64) -> Result<EvaluationQueryPage, ApiError> {
    get(&format!(
        "/api/v2/evaluation-datasets/{dataset}/evaluation-queries?page={page}&items_per_page=25"
    ))
    .await
}

/// Adds questions (one by hand, an import, or picked chat answers); the questions added.
pub async fn add_queries(dataset: i64, body: &EvaluationQueryInput) -> Result<Vec<EvaluationQuery>, ApiError> {
    Ok(call(
        Method::Post,
        &format!("/api/v2/evaluation-datasets/{dataset}/evaluation-queries"),
        Some(body),
    )
    .await?
    .data)
}

pub async fn update_query(id: i64, body: &EvaluationQueryUpdate) -> Result<EvaluationQuery, ApiError> {
    Ok(
        call(Method::Put, &format!("/api/v2/evaluation-queries/{id}"), Some(body))
            .await?
            .data,
    )
}

pub async fn delete_query(id: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(Method::Delete, &format!("/api/v2/evaluation-queries/{id}"), None)
        .await
        .map(|_| ())
}

/// A dataset's runs, newest first (up to 100: enough for the chart across runs).
pub async fn runs(dataset: i64) -> Result<EvaluationPage, ApiError> {
    get(&format!("/api/v2/evaluations?dataset_id={dataset}&items_per_page=100")).await
}

pub async fn start_run(body: &EvaluationInput) -> Result<Evaluation, ApiError> {
    Ok(call(Method::Post, "/api/v2/evaluations", Some(body)).await?.data)
}

pub async fn run(id: i64) -> Result<Evaluation, ApiError> {
    get(&format!("/api/v2/evaluations/{id}")).await
}

/// Stop (`cancelled`) or resume (`pending`) a run.
pub async fn set_run_status(id: i64, status: &str) -> Result<Evaluation, ApiError> {
    let body = EvaluationUpdate {
        name: None,
        status: Some(status.into()),
    };
    Ok(call(Method::Put, &format!("/api/v2/evaluations/{id}"), Some(&body))
        .await?
        .data)
}

pub async fn delete_runs(ids: Vec<i64>) -> Result<(), ApiError> {
    let body = DeleteEvaluations {
        evaluation_ids: ids,
        dataset_id: None,
    };
    call::<serde_json::Value, _>(Method::Delete, "/api/v2/evaluations", Some(&body))
        .await
        .map(|_| ())
}

/// Every result of a run (fetched 100 at a time), for sorting by any metric.
pub async fn all_results(run: i64) -> Result<Vec<QueryResult>, ApiError> {
    let mut all = Vec::new();
    let mut page = 1;
    loop {
        let list: QueryResultPage = get(&format!(
            "/api/v2/evaluations/{run}/query-results?page={page}&items_per_page=100"
        ))
        .await?;
        let done = list.meta.current_page >= list.meta.num_pages;
        all.extend(list.query_results);
        if done {
            return Ok(all);
        }
        page += 1;
    }
}

/// The run's results as a CSV download.
pub async fn export_results(run: i64) -> Result<(), ApiError> {
    super::download_csv(
        &format!("/api/v2/evaluations/{run}/query-results?export=csv"),
        &format!("evaluation-{run}.csv"),
    )
    .await
}

/// Two runs side by side; `filters` are `change`, `sort`, `metric_id`.
pub async fn compare(
    base: i64,
    candidate: i64,
    filters: &[(&str, &str)],
    page: u64,
) -> Result<EvaluationComparison, ApiError> {
    let mut pairs = filters.to_vec();
    let page = page.to_string();
    pairs.push(("page", &page));
    pairs.push(("items_per_page", "20"));
    get(&format!(
        "/api/v2/evaluations/{base}/compare/{candidate}?{}",
        query(&pairs)
    ))
    .await
}

/// Every metric: the built-in ones and the organization's own.
pub async fn metrics() -> Result<Vec<EvaluationMetric>, ApiError> {
    get("/api/v2/evaluation-metrics").await
}

pub async fn create_metric(body: &EvaluationMetricInput) -> Result<EvaluationMetric, ApiError> {
    Ok(call(Method::Post, "/api/v2/evaluation-metrics", Some(body)).await?.data)
}

pub async fn delete_metric(id: i64) -> Result<(), ApiError> {
    call::<serde_json::Value, ()>(Method::Delete, &format!("/api/v2/evaluation-metrics/{id}"), None)
        .await
        .map(|_| ())
}

/// A person's scores for one answer, by the organization's own metrics.
pub async fn score(result: i64, scores: Vec<MetricScoreInput>) -> Result<QueryResult, ApiError> {
    let body = QueryResultUpdate { metric_scores: scores };
    Ok(
        call(Method::Put, &format!("/api/v2/query-results/{result}"), Some(&body))
            .await?
            .data,
    )
}
