//! Evaluation datasets (per agent), their questions (by hand, imported from CSV or JSON Lines,
//! or picked from answered questions), dataset tags, and metrics (four built in, plus each
//! organization's own, scored by people).

use axum::{
    extract::State,
    http::Method,
    response::{IntoResponse, Response},
};
use ejento_api::{
    DeleteDatasets, DeleteEvaluations, Envelope, Evaluation, EvaluationComparison, EvaluationDataset,
    EvaluationDatasetInput, EvaluationDatasetPage, EvaluationInput, EvaluationMetric, EvaluationMetricInput,
    EvaluationPage, EvaluationQuery, EvaluationQueryInput, EvaluationQueryPage, EvaluationQueryUpdate,
    EvaluationUpdate, MetricResult, MetricResultInput, MetricResultPage, MetricScoreInput, QueryResult,
    QueryResultInput, QueryResultPage, QueryResultUpdate, RunConfiguration, validate,
};
use serde::Deserialize;

use super::{Access::SignedIn, Api, ApiJson, ApiPath, ApiQuery, ListQuery, created, ok};
use crate::{
    auth::{
        Caller,
        authz::{self, Need, OrgAction},
    },
    error::{Error, FieldErrors, Result},
    evaluation::compare,
    state::AppState,
    store::{DatasetRow, EvaluationRow, MetricRow, NewEvaluation, NewQuery},
};

const TAG: &str = "Evaluations";
type Json<T> = axum::Json<Envelope<T>>;

/// Questions one request may add (an import is one request).
const MAX_QUERIES_PER_REQUEST: usize = 1000;
const MAX_TAGS: usize = 20;
const QUESTION_MAX_CHARS: usize = 4000;
const ANSWER_MAX_CHARS: usize = 20_000;

pub(super) fn routes(api: Api) -> Api {
    api.route(
        Method::GET,
        "/api/v2/agents/{agent_id}/evaluation-datasets",
        (TAG, "Retrieve all evaluation datasets for a specific agent", SignedIn),
        datasets,
    )
    .route(
        Method::POST,
        "/api/v2/agents/{agent_id}/evaluation-datasets",
        (TAG, "Create a new evaluation dataset for the given agent", SignedIn),
        create_dataset,
    )
    .route(
        Method::DELETE,
        "/api/v2/agents/{agent_id}/evaluation-datasets",
        (TAG, "Delete multiple datasets or all datasets for an agent", SignedIn),
        delete_datasets,
    )
    .route(
        Method::GET,
        "/api/v2/evaluation-datasets/{dataset_id}",
        (TAG, "Retrieve a specific dataset", SignedIn),
        get_dataset,
    )
    .route(
        Method::PUT,
        "/api/v2/evaluation-datasets/{dataset_id}",
        (TAG, "Update an evaluation dataset", SignedIn),
        update_dataset,
    )
    .route(
        Method::DELETE,
        "/api/v2/evaluation-datasets/{dataset_id}",
        (TAG, "Delete a specific dataset", SignedIn),
        delete_dataset,
    )
    .route(
        Method::GET,
        "/api/v2/evaluation-datasets/{dataset_id}/evaluation-queries",
        (TAG, "Retrieve queries for an evaluation dataset", SignedIn),
        queries,
    )
    .route(
        Method::POST,
        "/api/v2/evaluation-datasets/{dataset_id}/evaluation-queries",
        (TAG, "Create a new query for evaluation", SignedIn),
        add_queries,
    )
    .route(
        Method::GET,
        "/api/v2/evaluation-queries/{query_id}",
        (TAG, "Retrieve a specific evaluation query", SignedIn),
        get_query,
    )
    .route(
        Method::PUT,
        "/api/v2/evaluation-queries/{query_id}",
        (TAG, "Update an evaluation query", SignedIn),
        update_query,
    )
    .route(
        Method::DELETE,
        "/api/v2/evaluation-queries/{query_id}",
        (TAG, "Delete an evaluation query", SignedIn),
        delete_query,
    )
    .route(
        Method::GET,
        "/api/v2/evaluation-dataset-tags",
        (
            TAG,
            "Retrieve all unique tags from all datasets in the organization",
            SignedIn,
        ),
        tags,
    )
    .route(
        Method::GET,
        "/api/v2/evaluations",
        (TAG, "Retrieve all evaluations or filter by dataset", SignedIn),
        runs,
    )
    .route(
        Method::POST,
        "/api/v2/evaluations",
        (TAG, "Create a new evaluation", SignedIn),
        start_run,
    )
    .route(
        Method::DELETE,
        "/api/v2/evaluations",
        (TAG, "Delete a set of evaluations or a specific evaluation", SignedIn),
        delete_runs,
    )
    .route(
        Method::GET,
        "/api/v2/evaluations/{evaluation_id}",
        (TAG, "Retrieve a specific evaluation", SignedIn),
        get_run,
    )
    .route(
        Method::PUT,
        "/api/v2/evaluations/{evaluation_id}",
        (TAG, "Update an evaluation run", SignedIn),
        update_run,
    )
    .route(
        Method::DELETE,
        "/api/v2/evaluations/{evaluation_id}",
        (TAG, "Delete a specific evaluation", SignedIn),
        delete_run,
    )
    .route(
        Method::GET,
        "/api/v2/evaluations/{evaluation_id}/query-results",
        (TAG, "List query results for an evaluation run", SignedIn),
        run_results,
    )
    .route(
        Method::GET,
        "/api/v2/evaluations/{evaluation_id}/compare/{other_id}",
        (
            TAG,
            "Compare two runs of a dataset: metric deltas, settings changed, per-question diffs",
            SignedIn,
        ),
        compare_runs,
    )
    .route(
        Method::POST,
        "/api/v2/evaluations/{evaluation_id}/query-results",
        (TAG, "Create a query result and save metrics", SignedIn),
        add_result,
    )
    .route(
        Method::GET,
        "/api/v2/query-results/{query_result_id}",
        (TAG, "Get a specific query result with metrics", SignedIn),
        get_result,
    )
    .route(
        Method::PUT,
        "/api/v2/query-results/{query_result_id}",
        (TAG, "Update a query result", SignedIn),
        score_result,
    )
    .route(
        Method::GET,
        "/api/v2/metric-results/{metric_result_id}",
        (TAG, "Get a specific metric result by ID", SignedIn),
        get_metric_result,
    )
    .route(
        Method::GET,
        "/api/v2/evaluation-metrics/{metric_id}/metric-results",
        (TAG, "Get all metric results for a specific metric", SignedIn),
        metric_results,
    )
    .route(
        Method::POST,
        "/api/v2/evaluation-metrics/{metric_id}/metric-results",
        (TAG, "Create a new metric result entry for the given metric", SignedIn),
        add_metric_result,
    )
    .route(
        Method::GET,
        "/api/v2/evaluation-metrics",
        (TAG, "Retrieve all metrics or filter by category name", SignedIn),
        metrics,
    )
    .route(
        Method::POST,
        "/api/v2/evaluation-metrics",
        (TAG, "Create a new metric", SignedIn),
        create_metric,
    )
    .route(
        Method::GET,
        "/api/v2/evaluation-metrics/{metric_id}",
        (TAG, "Retrieve a specific metric", SignedIn),
        get_metric,
    )
    .route(
        Method::PUT,
        "/api/v2/evaluation-metrics/{metric_id}",
        (TAG, "Update a metric", SignedIn),
        update_metric,
    )
    .route(
        Method::DELETE,
        "/api/v2/evaluation-metrics/{metric_id}",
        (TAG, "Delete a metric", SignedIn),
        delete_metric,
    )
}

async fn with_tags(state: &AppState, row: DatasetRow) -> Result<EvaluationDataset> {
    let mut tags = state.store.dataset_tags(&[row.id]).await?;
    let tags = tags.remove(&row.id).unwrap_or_default();
    Ok(row.into_wire(tags))
}

/// Trimmed, lower-cased, unique, non-empty tags.
fn parse_tags(tags: &[String], errors: &mut FieldErrors) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in tags {
        let t = t.trim().to_lowercase();
        if t.is_empty() || out.contains(&t) {
            continue;
        }
        if t.chars().count() > 50 {
            errors.add("tags", format!("The tag \"{t}\" is longer than 50 characters."));
        }
        out.push(t);
    }
    if out.len() > MAX_TAGS {
        errors.add("tags", format!("At most {MAX_TAGS} tags."));
    }
    out
}

fn parse_dataset(body: &EvaluationDatasetInput) -> Result<(String, String, Vec<String>)> {
    let mut errors = FieldErrors::default();
    let name = errors.take("name", validate::resource_name(&body.name, "dataset"));
    let description = errors.take(
        "description",
        validate::bounded_text(body.description.trim(), validate::DESCRIPTION_MAX_CHARS),
    );
    let tags = parse_tags(&body.tags, &mut errors);
    errors.finish()?;
    Ok((name.unwrap_or_default(), description.unwrap_or_default(), tags))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct DatasetQuery {
    #[serde(flatten)]
    list: ListQuery,
    tag: Option<String>,
}

async fn datasets(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DatasetQuery>,
) -> Result<Json<EvaluationDatasetPage>> {
    authz::agent(&state, &caller, agent, Need::Administer).await?;
    let page = q.list.page();
    let tag = q.tag.as_deref().map(|t| t.trim().to_lowercase());
    let (rows, count) = state.store.list_datasets(agent, tag.as_deref(), page).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut tags = state.store.dataset_tags(&ids).await?;
    Ok(ok(
        "Evaluation datasets fetched successfully.",
        EvaluationDatasetPage {
            datasets: rows
                .into_iter()
                .map(|r| {
                    let t = tags.remove(&r.id).unwrap_or_default();
                    r.into_wire(t)
                })
                .collect(),
            meta: page.meta(count),
        },
    ))
}

async fn create_dataset(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent): ApiPath<i64>,
    ApiJson(body): ApiJson<EvaluationDatasetInput>,
) -> Result<(axum::http::StatusCode, Json<EvaluationDataset>)> {
    authz::agent(&state, &caller, agent, Need::Administer).await?;
    let (name, description, tags) = parse_dataset(&body)?;
    let id = state
        .store
        .create_dataset(caller.org_id(), agent, &caller.user.email, &name, &description, &tags)
        .await?;
    let row = authz::dataset(&state, &caller, id).await?;
    Ok(created(
        "Evaluation dataset created successfully.",
        with_tags(&state, row).await?,
    ))
}

async fn delete_datasets(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(agent): ApiPath<i64>,
    ApiJson(body): ApiJson<DeleteDatasets>,
) -> Result<Json<ejento_api::Affected>> {
    authz::agent(&state, &caller, agent, Need::Administer).await?;
    if body.all != body.dataset_ids.is_empty() {
        return Err(Error::invalid(
            "dataset_ids",
            "Name the datasets to delete in dataset_ids, or set all to true (not both).",
        ));
    }
    let ids = (!body.all).then_some(body.dataset_ids.as_slice());
    let count = state.store.delete_datasets(agent, ids, &caller.user.email).await?;
    Ok(ok(
        format!("{count} dataset(s) deleted."),
        ejento_api::Affected { count: count as u64 },
    ))
}

async fn get_dataset(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<EvaluationDataset>> {
    let row = authz::dataset(&state, &caller, id).await?;
    Ok(ok(
        "Evaluation dataset fetched successfully.",
        with_tags(&state, row).await?,
    ))
}

async fn update_dataset(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EvaluationDatasetInput>,
) -> Result<Json<EvaluationDataset>> {
    authz::dataset(&state, &caller, id).await?;
    let (name, description, tags) = parse_dataset(&body)?;
    state
        .store
        .update_dataset(id, &caller.user.email, &name, &description, &tags)
        .await?;
    let row = authz::dataset(&state, &caller, id).await?;
    Ok(ok(
        "Evaluation dataset updated successfully.",
        with_tags(&state, row).await?,
    ))
}

async fn delete_dataset(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    let row = authz::dataset(&state, &caller, id).await?;
    state
        .store
        .delete_datasets(row.agent_id, Some(&[id]), &caller.user.email)
        .await?;
    Ok(ok(
        "Evaluation dataset deleted successfully.",
        ejento_api::Deleted { id },
    ))
}

async fn queries(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<EvaluationQueryPage>> {
    authz::dataset(&state, &caller, id).await?;
    let page = q.page();
    let (rows, count) = state.store.list_queries(id, page).await?;
    Ok(ok(
        "Evaluation queries fetched successfully.",
        EvaluationQueryPage {
            evaluation_queries: rows.into_iter().map(|r| r.into_wire()).collect(),
            meta: page.meta(count),
        },
    ))
}

/// One question, checked; `at` names where it came from in an import.
fn checked_query(question: &str, answer: &str, sources: &[String], at: &str) -> std::result::Result<NewQuery, String> {
    let question = question.trim();
    if question.is_empty() {
        return Err(format!("{at}the question is empty."));
    }
    if question.chars().count() > QUESTION_MAX_CHARS {
        return Err(format!(
            "{at}the question is longer than {QUESTION_MAX_CHARS} characters."
        ));
    }
    if answer.chars().count() > ANSWER_MAX_CHARS {
        return Err(format!(
            "{at}the expected answer is longer than {ANSWER_MAX_CHARS} characters."
        ));
    }
    Ok(NewQuery {
        question: question.to_string(),
        expected_answer: answer.trim().to_string(),
        expected_sources: sources
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        agent_response_id: None,
    })
}

fn split_sources(raw: &str) -> Vec<String> {
    raw.split(';').map(str::to_string).collect()
}

/// Rows of a CSV (header row naming `question`, `expected_answer`, `expected_sources`) or a
/// JSON Lines text (one object per line with the same keys). Every problem names its line.
pub fn parse_import(text: &str, format: Option<&str>) -> std::result::Result<Vec<NewQuery>, Vec<String>> {
    let trimmed = text.trim_start_matches('\u{feff}').trim();
    let jsonl = match format.map(|f| f.trim().to_lowercase()) {
        Some(f) if f == "jsonl" || f == "json" => true,
        Some(f) if f == "csv" => false,
        Some(f) => return Err(vec![format!("import_format must be csv or jsonl, not \"{f}\".")]),
        None => trimmed.starts_with('{'),
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    if jsonl {
        #[derive(Deserialize, schemars::JsonSchema)]
        struct Line {
            question: String,
            #[serde(default)]
            expected_answer: String,
            #[serde(default)]
            expected_sources: Vec<String>,
        }
        for (i, line) in trimmed.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let at = format!("Line {}: ", i + 1);
            match serde_json::from_str::<Line>(line) {
                Ok(l) => match checked_query(&l.question, &l.expected_answer, &l.expected_sources, &at) {
                    Ok(q) => out.push(q),
                    Err(m) => problems.push(m),
                },
                Err(e) => problems.push(format!("{at}not a JSON object with a question: {e}.")),
            }
        }
    } else {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(trimmed.as_bytes());
        let headers: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
            Err(e) => return Err(vec![format!("The CSV cannot be read: {e}.")]),
        };
        let column = |name: &str| headers.iter().position(|h| h == name);
        let Some(question) = column("question") else {
            return Err(vec![
                "The CSV needs a header row with a question column (and expected_answer, expected_sources).".into(),
            ]);
        };
        let (answer, sources) = (column("expected_answer"), column("expected_sources"));
        for (i, record) in reader.records().enumerate() {
            // Line 1 is the header.
            let at = format!("Line {}: ", i + 2);
            match record {
                Ok(r) => {
                    let get = |c: Option<usize>| c.and_then(|c| r.get(c)).unwrap_or_default();
                    match checked_query(get(Some(question)), get(answer), &split_sources(get(sources)), &at) {
                        Ok(q) => out.push(q),
                        Err(m) => problems.push(m),
                    }
                }
                Err(e) => problems.push(format!("{at}{e}.")),
            }
        }
    }
    if out.is_empty() && problems.is_empty() {
        problems.push("The file has no questions.".into());
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

async fn add_queries(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EvaluationQueryInput>,
) -> Result<(axum::http::StatusCode, Json<Vec<EvaluationQuery>>)> {
    let dataset = authz::dataset(&state, &caller, id).await?;
    let given = [
        body.question.is_some(),
        body.import.is_some(),
        !body.agent_response_ids.is_empty(),
    ]
    .iter()
    .filter(|g| **g)
    .count();
    if given != 1 {
        return Err(Error::invalid(
            "question",
            "Give exactly one of question, import or agent_response_ids.",
        ));
    }
    let new: Vec<NewQuery> = if let Some(question) = &body.question {
        let answer = body.expected_answer.clone().unwrap_or_default();
        vec![checked_query(question, &answer, &body.expected_sources, "").map_err(|m| Error::invalid("question", m))?]
    } else if let Some(text) = &body.import {
        parse_import(text, body.import_format.as_deref()).map_err(|problems| {
            let shown: Vec<String> = problems.iter().take(10).cloned().collect();
            let more = problems.len().saturating_sub(shown.len());
            let mut message = shown.join(" ");
            if more > 0 {
                message.push_str(&format!(" And {more} more."));
            }
            Error::invalid("import", message)
        })?
    } else {
        // Answered questions from the chat logs: their answer becomes the expected one, the
        // documents it cited the expected sources.
        let mut picked = Vec::new();
        for response in &body.agent_response_ids {
            let row = state
                .store
                .response(caller.org_id(), caller.user_id(), *response)
                .await?
                .filter(|r| r.agent_id == dataset.agent_id)
                .ok_or_else(|| {
                    Error::invalid(
                        "agent_response_ids",
                        format!("There is no answer {response} of this dataset's agent."),
                    )
                })?;
            let answer = row.into_wire();
            let sources: Vec<String> = answer
                .response
                .as_ref()
                .map(|o| {
                    let mut titles: Vec<String> = Vec::new();
                    for r in &o.references {
                        if !titles.contains(&r.title) {
                            titles.push(r.title.clone());
                        }
                    }
                    titles
                })
                .unwrap_or_default();
            let mut q = checked_query(&answer.question, &answer.answer, &sources, "")
                .map_err(|m| Error::invalid("agent_response_ids", m))?;
            q.agent_response_id = Some(*response);
            picked.push(q);
        }
        picked
    };
    if new.len() > MAX_QUERIES_PER_REQUEST {
        return Err(Error::invalid(
            "import",
            format!(
                "At most {MAX_QUERIES_PER_REQUEST} questions at once; this has {}.",
                new.len()
            ),
        ));
    }
    let ids = state.store.add_queries(dataset.id, &new).await?;
    let mut added = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(row) = state.store.find_query(caller.org_id(), id).await? {
            added.push(row.into_wire());
        }
    }
    let message = format!("{} question(s) added.", added.len());
    Ok(created(message, added))
}

async fn query_of(state: &AppState, caller: &Caller, id: i64) -> Result<crate::store::QueryRow> {
    let row = state
        .store
        .find_query(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Evaluation query"))?;
    authz::dataset(state, caller, row.dataset_id).await?;
    Ok(row)
}

async fn get_query(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<EvaluationQuery>> {
    Ok(ok(
        "Evaluation query fetched successfully.",
        query_of(&state, &caller, id).await?.into_wire(),
    ))
}

async fn update_query(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EvaluationQueryUpdate>,
) -> Result<Json<EvaluationQuery>> {
    query_of(&state, &caller, id).await?;
    let q = checked_query(&body.question, &body.expected_answer, &body.expected_sources, "")
        .map_err(|m| Error::invalid("question", m))?;
    state.store.update_query(id, &q).await?;
    Ok(ok(
        "Evaluation query updated successfully.",
        query_of(&state, &caller, id).await?.into_wire(),
    ))
}

async fn delete_query(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    query_of(&state, &caller, id).await?;
    state.store.delete_query(id).await?;
    Ok(ok("Evaluation query deleted successfully.", ejento_api::Deleted { id }))
}

async fn tags(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<String>>> {
    Ok(ok(
        "Dataset tags fetched successfully.",
        state.store.organization_dataset_tags(caller.org_id()).await?,
    ))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct MetricQuery {
    category: Option<String>,
}

async fn metrics(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<MetricQuery>,
) -> Result<Json<Vec<EvaluationMetric>>> {
    let rows = state
        .store
        .list_metrics(caller.org_id(), q.category.as_deref().map(str::trim))
        .await?;
    Ok(ok(
        "Evaluation metrics fetched successfully.",
        rows.into_iter().map(MetricRow::into_wire).collect(),
    ))
}

async fn parse_metric(
    state: &AppState,
    caller: &Caller,
    body: &EvaluationMetricInput,
    except: Option<i64>,
) -> Result<(String, String, String)> {
    let mut errors = FieldErrors::default();
    let name = errors.take("name", validate::resource_name(&body.name, "metric"));
    let category = errors.take("category", validate::bounded_text(body.category.trim(), 100));
    let description = errors.take(
        "description",
        validate::bounded_text(body.description.trim(), validate::DESCRIPTION_MAX_CHARS),
    );
    if let Some(name) = &name
        && state.store.metric_name_taken(caller.org_id(), name, except).await?
    {
        errors.add("name", format!("There is already a metric named \"{name}\"."));
    }
    errors.finish()?;
    Ok((
        name.unwrap_or_default(),
        category.unwrap_or_default(),
        description.unwrap_or_default(),
    ))
}

async fn metric_of(state: &AppState, caller: &Caller, id: i64) -> Result<MetricRow> {
    state
        .store
        .find_metric(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Evaluation metric"))
}

/// Changing or deleting: the organization's own metrics, by administrators.
async fn own_metric(state: &AppState, caller: &Caller, id: i64) -> Result<MetricRow> {
    let metric = metric_of(state, caller, id).await?;
    authz::require(state, caller, OrgAction::ManageEvaluationMetrics).await?;
    if metric.builtin() {
        return Err(Error::Conflict(format!(
            "{} is built in: it cannot be changed or deleted.",
            metric.name
        )));
    }
    Ok(metric)
}

async fn create_metric(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<EvaluationMetricInput>,
) -> Result<(axum::http::StatusCode, Json<EvaluationMetric>)> {
    authz::require(&state, &caller, OrgAction::ManageEvaluationMetrics).await?;
    let (name, category, description) = parse_metric(&state, &caller, &body, None).await?;
    let id = state
        .store
        .create_metric(caller.org_id(), &caller.user.email, &name, &category, &description)
        .await?;
    Ok(created(
        "Evaluation metric created successfully.",
        metric_of(&state, &caller, id).await?.into_wire(),
    ))
}

async fn get_metric(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<EvaluationMetric>> {
    Ok(ok(
        "Evaluation metric fetched successfully.",
        metric_of(&state, &caller, id).await?.into_wire(),
    ))
}

async fn update_metric(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EvaluationMetricInput>,
) -> Result<Json<EvaluationMetric>> {
    own_metric(&state, &caller, id).await?;
    let (name, category, description) = parse_metric(&state, &caller, &body, Some(id)).await?;
    state.store.update_metric(id, &name, &category, &description).await?;
    Ok(ok(
        "Evaluation metric updated successfully.",
        metric_of(&state, &caller, id).await?.into_wire(),
    ))
}

async fn delete_metric(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    own_metric(&state, &caller, id).await?;
    state.store.delete_metric(id).await?;
    Ok(ok(
        "Evaluation metric deleted successfully.",
        ejento_api::Deleted { id },
    ))
}

async fn run_wire(state: &AppState, row: EvaluationRow) -> Result<Evaluation> {
    Ok(Evaluation {
        summary: state.store.evaluation_summary(row.id).await?,
        configuration: serde_json::from_str(&row.configuration).unwrap_or_default(),
        llm_config_id: row.llm_config_id,
        judge_llm_config_id: row.judge_llm_config_id,
        id: row.id,
        dataset: row.dataset_id,
        agent: row.agent_id,
        name: row.name,
        status: row.status,
        total: row.total,
        done: row.done,
        message: row.message,
        created_by: row.created_by,
        created_on: row.created_on,
        started_on: row.started_on,
        finished_on: row.finished_on,
    })
}

/// A run the caller may see: one of a dataset they may measure with.
async fn run_of(state: &AppState, caller: &Caller, id: i64) -> Result<EvaluationRow> {
    let run = state
        .store
        .find_evaluation(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Evaluation"))?;
    authz::dataset(state, caller, run.dataset_id).await?;
    Ok(run)
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct RunQuery {
    #[serde(flatten)]
    list: ListQuery,
    #[serde(default, deserialize_with = "super::extract::lenient::opt_i64")]
    dataset_id: Option<i64>,
}

/// A dataset's runs; without a dataset, the organization's (for administrators).
async fn runs(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RunQuery>,
) -> Result<Json<EvaluationPage>> {
    match q.dataset_id {
        Some(dataset) => {
            authz::dataset(&state, &caller, dataset).await?;
        }
        None if authz::is_org_admin(&caller) => {}
        None => {
            return Err(Error::Forbidden(
                "Name a dataset_id: only administrators list every run of the organization.".into(),
            ));
        }
    }
    let page = q.list.page();
    let (rows, count) = state
        .store
        .list_evaluations(caller.org_id(), q.dataset_id, page)
        .await?;
    let mut evaluations = Vec::with_capacity(rows.len());
    for row in rows {
        evaluations.push(run_wire(&state, row).await?);
    }
    Ok(ok(
        "Evaluations fetched successfully.",
        EvaluationPage {
            evaluations,
            meta: page.meta(count),
        },
    ))
}

async fn start_run(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<EvaluationInput>,
) -> Result<(axum::http::StatusCode, Json<Evaluation>)> {
    let dataset = authz::dataset(&state, &caller, body.dataset_id)
        .await
        .map_err(|e| match e {
            Error::NotFound(_) => Error::invalid(
                "dataset_id",
                format!("There is no dataset {} in your organization.", body.dataset_id),
            ),
            other => other,
        })?;
    if dataset.query_count == 0 {
        return Err(Error::invalid(
            "dataset_id",
            "The dataset has no questions yet: add some first.",
        ));
    }
    let name = match body.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => validate::resource_name(n, "run").map_err(|m| Error::invalid("name", m))?,
        // Named for when it ran, as people write it (not the API's ISO timestamp).
        None => format!(
            "{} — {} UTC",
            dataset.name,
            crate::time_fmt::now()
                .get(..16)
                .unwrap_or_default()
                .replacen('T', " ", 1)
        ),
    };
    let (agent, _) = authz::agent(&state, &caller, dataset.agent_id, Need::Administer).await?;
    let llms = state.store.llm_configurations(caller.org_id()).await?;
    let model_of = |id: Option<i64>, field: &str| -> Result<String> {
        match id {
            None => Ok("local".into()),
            Some(id) => match llms.iter().find(|l| l.id == id) {
                Some(l) if !l.is_enabled => Err(Error::invalid(
                    field,
                    format!(
                        "The model configuration {} is turned off in your organization.",
                        l.model_name
                    ),
                )),
                Some(l) if l.provider == "openai-compatible" => Ok(l.model_name.clone()),
                Some(_) => Ok("local".into()),
                None => Err(Error::invalid(
                    field,
                    format!("There is no model configuration {id} in your organization."),
                )),
            },
        }
    };
    let llm_config_id = body.llm_config_id.or(agent.llm_config_id);
    let model = model_of(llm_config_id, "llm_config_id")?;
    let judge = match body.judge_llm_config_id {
        None => None,
        Some(id) => match model_of(Some(id), "judge_llm_config_id")?.as_str() {
            "local" => {
                return Err(Error::invalid(
                    "judge_llm_config_id",
                    "A judge must be a model endpoint (an openai-compatible configuration); the local answerer \
                     cannot judge.",
                ));
            }
            name => Some(name.to_string()),
        },
    };
    let config = state.store.agent_config(&agent).await?;
    let configuration = RunConfiguration {
        prompt: config.prefix_prompt,
        instructions: config.instructions,
        model,
        judge,
        chunk_count: Some(config.chunk_count),
        reasoning_mode: Some(config.reasoning_mode),
    };
    let id = state
        .store
        .create_evaluation(&NewEvaluation {
            organization_id: caller.org_id(),
            dataset_id: dataset.id,
            agent_id: agent.id,
            user_id: caller.user_id(),
            by: &caller.user.email,
            name: &name,
            total: dataset.query_count,
            agent_version: &agent.modified_on,
            llm_config_id,
            judge_llm_config_id: body.judge_llm_config_id,
            configuration: &configuration,
        })
        .await?;
    let row = run_of(&state, &caller, id).await?;
    Ok(created("Evaluation started.", run_wire(&state, row).await?))
}

async fn get_run(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<i64>) -> Result<Json<Evaluation>> {
    let row = run_of(&state, &caller, id).await?;
    Ok(ok("Evaluation fetched successfully.", run_wire(&state, row).await?))
}

async fn update_run(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<EvaluationUpdate>,
) -> Result<Json<Evaluation>> {
    let run = run_of(&state, &caller, id).await?;
    if let Some(name) = &body.name {
        let name = validate::resource_name(name, "run").map_err(|m| Error::invalid("name", m))?;
        state.store.rename_evaluation(id, &name).await?;
    }
    match body.status.as_deref().map(str::trim) {
        None => {}
        Some("cancelled") if !state.store.cancel_evaluation(id).await? => {
            return Err(Error::Conflict(format!("The run has already ended ({}).", run.status)));
        }
        Some("pending") if !state.store.resume_evaluation(id).await? => {
            return Err(Error::Conflict(format!(
                "Only a stopped or failed run can be resumed; this one is {}.",
                run.status
            )));
        }
        Some("cancelled" | "pending") => {}
        Some(other) => {
            return Err(Error::invalid(
                "status",
                format!("status must be cancelled (stop) or pending (resume), not \"{other}\"."),
            ));
        }
    }
    let row = run_of(&state, &caller, id).await?;
    Ok(ok("Evaluation updated successfully.", run_wire(&state, row).await?))
}

async fn delete_run(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ejento_api::Deleted>> {
    run_of(&state, &caller, id).await?;
    state.store.delete_evaluation(id).await?;
    Ok(ok("Evaluation deleted successfully.", ejento_api::Deleted { id }))
}

/// Deletes the runs named, or every run of a dataset; each must be one the caller may see.
async fn delete_runs(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<DeleteEvaluations>,
) -> Result<Json<ejento_api::Affected>> {
    let ids: Vec<i64> = match (body.dataset_id, body.evaluation_ids.is_empty()) {
        (Some(dataset), true) => {
            authz::dataset(&state, &caller, dataset).await?;
            state.store.dataset_evaluation_ids(caller.org_id(), dataset).await?
        }
        (None, false) => body.evaluation_ids.clone(),
        _ => {
            return Err(Error::invalid(
                "evaluation_ids",
                "Name the runs to delete in evaluation_ids, or give a dataset_id (not both).",
            ));
        }
    };
    for id in &ids {
        run_of(&state, &caller, *id).await?;
    }
    for id in &ids {
        state.store.delete_evaluation(*id).await?;
    }
    Ok(ok(
        format!("{} evaluation(s) deleted.", ids.len()),
        ejento_api::Affected {
            count: ids.len() as u64,
        },
    ))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct ResultsQuery {
    #[serde(flatten)]
    list: ListQuery,
    /// `csv`: every result as a CSV download instead of a page.
    #[serde(default)]
    export: Option<String>,
}

async fn run_results(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ResultsQuery>,
) -> Result<Response> {
    let run = run_of(&state, &caller, id).await?;
    match q.export.as_deref() {
        None => {}
        Some("csv") => {
            let results = state.store.all_query_results(id).await?;
            return Ok(super::csv::attachment(
                &format!("evaluation-{id}.csv"),
                results_csv(&results),
            ));
        }
        Some(other) => {
            return Err(Error::invalid(
                "export",
                format!("export can only be csv, not \"{other}\"."),
            ));
        }
    }
    let page = q.list.page();
    let (query_results, count) = state.store.query_results(run.id, page).await?;
    Ok(ok(
        "Query results fetched successfully.",
        QueryResultPage {
            query_results,
            meta: page.meta(count),
        },
    )
    .into_response())
}

/// A run's results, one line per question, one column per metric any answer was scored by.
fn results_csv(results: &[QueryResult]) -> String {
    let mut metrics: Vec<(i64, String)> = Vec::new();
    for m in results.iter().flat_map(|r| &r.metrics) {
        if !metrics.iter().any(|(id, _)| *id == m.metric_id) {
            metrics.push((m.metric_id, m.name.clone()));
        }
    }
    metrics.sort();
    let mut header: Vec<String> = [
        "query_id",
        "question",
        "expected_answer",
        "answer",
        "status",
        "sources",
        "total_tokens",
        "cost",
        "latency_ms",
    ]
    .map(String::from)
    .to_vec();
    header.extend(metrics.iter().map(|(_, name)| name.clone()));
    let mut out = super::csv::line(&header);
    for r in results {
        let mut titles: Vec<&str> = Vec::new();
        for s in &r.sources {
            if !titles.contains(&s.title.as_str()) {
                titles.push(&s.title);
            }
        }
        let mut row = vec![
            r.query.to_string(),
            r.question.clone(),
            r.expected_answer.clone(),
            r.answer.clone(),
            r.status.clone(),
            titles.join("; "),
            r.total_tokens.to_string(),
            r.cost.clone(),
            r.latency_ms.to_string(),
        ];
        row.extend(metrics.iter().map(|(id, _)| {
            r.metrics
                .iter()
                .find(|m| m.metric_id == *id)
                .map(|m| m.score.to_string())
                .unwrap_or_default()
        }));
        out.push_str(&super::csv::line(&row));
    }
    out
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct CompareQuery {
    #[serde(flatten)]
    list: ListQuery,
    /// Only questions that `regressed`, `improved`, `changed`, were `unchanged` or are `missing`.
    #[serde(default)]
    change: Option<String>,
    /// Decide better or worse by this metric alone.
    #[serde(default, deserialize_with = "super::extract::lenient::opt_i64")]
    metric_id: Option<i64>,
    /// `delta`: the biggest drops first; otherwise question order.
    #[serde(default)]
    sort: Option<String>,
}

/// Two runs of one dataset side by side: the first is the base, the second the candidate.
async fn compare_runs(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((base_id, candidate_id)): ApiPath<(i64, i64)>,
    ApiQuery(q): ApiQuery<CompareQuery>,
) -> Result<Json<EvaluationComparison>> {
    let base = run_of(&state, &caller, base_id).await?;
    let candidate = run_of(&state, &caller, candidate_id).await?;
    if base.dataset_id != candidate.dataset_id {
        return Err(Error::invalid(
            "other_id",
            "Only runs of the same dataset can be compared question by question.",
        ));
    }
    const CHANGES: [&str; 5] = ["regressed", "improved", "changed", "unchanged", "missing"];
    if let Some(change) = q.change.as_deref()
        && !CHANGES.contains(&change)
    {
        return Err(Error::invalid(
            "change",
            format!("change must be one of {}, not \"{change}\".", CHANGES.join(", ")),
        ));
    }
    match q.sort.as_deref() {
        None | Some("delta" | "question") => {}
        Some(other) => {
            return Err(Error::invalid(
                "sort",
                format!("sort must be delta or question, not \"{other}\"."),
            ));
        }
    }
    if let Some(metric) = q.metric_id {
        metric_of(&state, &caller, metric)
            .await
            .map_err(|_| Error::invalid("metric_id", format!("There is no metric {metric}.")))?;
    }
    let (base_results, candidate_results) = (
        state.store.all_query_results(base.id).await?,
        state.store.all_query_results(candidate.id).await?,
    );
    let mut rows = compare::compare_all(&base_results, &candidate_results, q.metric_id);
    let counts = compare::counts(&rows);
    if let Some(change) = q.change.as_deref() {
        rows.retain(|r| r.change == change);
    }
    if q.sort.as_deref() == Some("delta") {
        // Failures and the biggest drops first; questions without a move last.
        rows.sort_by(|a, b| {
            let key = |r: &ejento_api::QueryComparison| r.delta.unwrap_or(f64::INFINITY);
            key(a).total_cmp(&key(b))
        });
    }
    let page = q.list.page();
    let count = rows.len() as i64;
    let queries = rows
        .into_iter()
        .skip(page.offset() as usize)
        .take(page.limit() as usize)
        .collect();
    let (base, candidate) = (run_wire(&state, base).await?, run_wire(&state, candidate).await?);
    Ok(ok(
        "Evaluations compared.",
        EvaluationComparison {
            metrics: compare::metric_deltas(&base.summary.metrics, &candidate.summary.metrics),
            configuration_changes: compare::configuration_changes(&base.configuration, &candidate.configuration),
            counts,
            queries,
            meta: page.meta(count),
            base,
            candidate,
        },
    ))
}

/// A result the caller may see (through its run).
async fn result_of(state: &AppState, caller: &Caller, id: i64) -> Result<QueryResult> {
    let result = state
        .store
        .query_result(caller.org_id(), id)
        .await?
        .ok_or_else(|| Error::not_found("Query result"))?;
    run_of(state, caller, result.evaluation).await?;
    Ok(result)
}

/// A score by hand: a metric of the organization that people score, between 0 and 1.
async fn checked_score(state: &AppState, caller: &Caller, metric: i64, score: f64, details: &str) -> Result<String> {
    let row = state.store.find_metric(caller.org_id(), metric).await?.ok_or_else(|| {
        Error::invalid(
            "metric_id",
            format!("There is no metric {metric} in your organization."),
        )
    })?;
    if row.builtin() {
        return Err(Error::invalid(
            "metric_id",
            format!(
                "{} is computed by the server; score your own metrics by hand.",
                row.name
            ),
        ));
    }
    if !score.is_finite() || !(0.0..=1.0).contains(&score) {
        return Err(Error::invalid(
            "score",
            format!("A score is between 0 and 1, not {score}."),
        ));
    }
    validate::bounded_text(details.trim(), validate::DESCRIPTION_MAX_CHARS).map_err(|m| Error::invalid("details", m))
}

async fn save_scores(state: &AppState, caller: &Caller, result: i64, scores: &[MetricScoreInput]) -> Result<()> {
    let mut checked = Vec::with_capacity(scores.len());
    for s in scores {
        checked.push((
            s.metric_id,
            s.score,
            checked_score(state, caller, s.metric_id, s.score, &s.details).await?,
        ));
    }
    for (metric, score, details) in checked {
        state
            .store
            .upsert_metric_result(result, metric, score, &details, &caller.user.email)
            .await?;
    }
    Ok(())
}

/// Records an answer obtained elsewhere for a question of the run that has none yet; the
/// computed metrics score it against the passages given, people's scores are saved as given.
async fn add_result(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<QueryResultInput>,
) -> Result<(axum::http::StatusCode, Json<QueryResult>)> {
    let run = run_of(&state, &caller, id).await?;
    let query = state
        .store
        .find_query(caller.org_id(), body.query_id)
        .await?
        .filter(|q| q.dataset_id == run.dataset_id)
        .ok_or_else(|| {
            Error::invalid(
                "query_id",
                format!("Question {} is not in this run's dataset.", body.query_id),
            )
        })?;
    let answer =
        validate::bounded_text(body.answer.trim(), ANSWER_MAX_CHARS).map_err(|m| Error::invalid("answer", m))?;
    if answer.is_empty() {
        return Err(Error::invalid("answer", "Give the answer to record."));
    }
    for s in &body.metric_scores {
        checked_score(&state, &caller, s.metric_id, s.score, &s.details).await?;
    }
    use crate::evaluation::metrics;
    let texts: Vec<String> = body.sources.iter().map(|s| s.text.clone()).collect();
    let titles: Vec<String> = body.sources.iter().map(|s| s.title.clone()).collect();
    let expected_sources: Vec<String> = serde_json::from_str(&query.expected_sources).unwrap_or_default();
    let builtin = state.store.list_metrics(caller.org_id(), None).await?;
    let mut scores = Vec::new();
    for (name, score) in [
        (
            "Answer Similarity",
            metrics::answer_similarity(&answer, &query.expected_answer),
        ),
        ("Answer Relevance", metrics::answer_relevance(&query.question, &answer)),
        ("Faithfulness", metrics::faithfulness(&answer, &texts)),
        (
            "Context Recall",
            metrics::context_recall(&expected_sources, &titles, &query.expected_answer, &texts),
        ),
    ] {
        if let (Some(metric), Some(score)) = (builtin.iter().find(|m| m.builtin() && m.name == name), score) {
            scores.push((metric.id, (score * 1000.0).round() / 1000.0, String::new()));
        }
    }
    let recorded = state
        .store
        .record_query_result(
            run.id,
            &caller.user.email,
            &crate::store::NewQueryResult {
                query_id: query.id,
                question: &query.question,
                expected_answer: &query.expected_answer,
                answer: &answer,
                sources: &body.sources,
                agent_response_id: None,
                status: "completed",
                prompt_tokens: 0,
                completion_tokens: 0,
                total_tokens: 0,
                cost: "0",
                latency_ms: 0,
                judge_tokens: 0,
                judge_cost: "0",
                scores,
            },
        )
        .await?;
    if !recorded {
        return Err(Error::Conflict(format!(
            "Question {} already has a result in this run.",
            query.id
        )));
    }
    let result = state
        .store
        .query_result_id(run.id, query.id)
        .await?
        .ok_or_else(|| Error::not_found("Query result"))?;
    save_scores(&state, &caller, result, &body.metric_scores).await?;
    Ok(created(
        "Query result saved.",
        result_of(&state, &caller, result).await?,
    ))
}

async fn get_result(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<QueryResult>> {
    Ok(ok(
        "Query result fetched successfully.",
        result_of(&state, &caller, id).await?,
    ))
}

/// Scores an answer by people's metrics.
async fn score_result(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<QueryResultUpdate>,
) -> Result<Json<QueryResult>> {
    result_of(&state, &caller, id).await?;
    save_scores(&state, &caller, id, &body.metric_scores).await?;
    Ok(ok(
        "Query result updated successfully.",
        result_of(&state, &caller, id).await?,
    ))
}

async fn metric_result_of(state: &AppState, caller: &Caller, id: i64) -> Result<MetricResult> {
    let (mut rows, _) = state
        .store
        .metric_results(
            caller.org_id(),
            Some(id),
            None,
            None,
            crate::store::PageRequest::new(Some(1), Some(1)),
        )
        .await?;
    let row = rows.pop().ok_or_else(|| Error::not_found("Metric result"))?;
    run_of(state, caller, row.evaluation).await?;
    Ok(row)
}

async fn get_metric_result(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MetricResult>> {
    Ok(ok(
        "Metric result fetched successfully.",
        metric_result_of(&state, &caller, id).await?,
    ))
}

#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
struct MetricResultQuery {
    #[serde(flatten)]
    list: ListQuery,
    #[serde(default, deserialize_with = "super::extract::lenient::opt_i64")]
    evaluation_id: Option<i64>,
}

/// A metric's scores: of one run (`evaluation_id`), or of every run for administrators.
async fn metric_results(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(metric): ApiPath<i64>,
    ApiQuery(q): ApiQuery<MetricResultQuery>,
) -> Result<Json<MetricResultPage>> {
    metric_of(&state, &caller, metric).await?;
    let page = q.list.page();
    let (rows, count) = match q.evaluation_id {
        Some(run) => {
            run_of(&state, &caller, run).await?;
            state
                .store
                .metric_results(caller.org_id(), None, Some(metric), Some(run), page)
                .await?
        }
        None if authz::is_org_admin(&caller) => {
            state
                .store
                .metric_results(caller.org_id(), None, Some(metric), None, page)
                .await?
        }
        None => {
            return Err(Error::Forbidden(
                "Name an evaluation_id: only administrators list every score of the organization.".into(),
            ));
        }
    };
    Ok(ok(
        "Metric results fetched successfully.",
        MetricResultPage {
            metric_results: rows,
            meta: page.meta(count),
        },
    ))
}

async fn add_metric_result(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(metric): ApiPath<i64>,
    ApiJson(body): ApiJson<MetricResultInput>,
) -> Result<(axum::http::StatusCode, Json<MetricResult>)> {
    metric_of(&state, &caller, metric).await?;
    let result = result_of(&state, &caller, body.query_result_id).await?;
    let details = checked_score(&state, &caller, metric, body.score, &body.details).await?;
    let id = state
        .store
        .upsert_metric_result(result.id, metric, body.score, &details, &caller.user.email)
        .await?;
    Ok(created("Score saved.", metric_result_of(&state, &caller, id).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_and_json_lines_imports_name_the_bad_lines() {
        let csv = "question,expected_answer,expected_sources\n\
                   How long do refunds take?,14 days,refunds.md;policy.md\n\
                   \"Who approves, above 500 EUR?\",The billing lead,\n";
        let rows = parse_import(csv, None).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].expected_sources, ["refunds.md", "policy.md"]);
        assert_eq!(rows[1].question, "Who approves, above 500 EUR?");
        assert!(rows[1].expected_sources.is_empty());

        let jsonl = "{\"question\": \"Q1?\", \"expected_answer\": \"A1\"}\n\n{\"question\": \"Q2?\", \"expected_sources\": [\"a.md\"]}\n";
        let rows = parse_import(jsonl, None).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].expected_sources, ["a.md"]);

        let bad = parse_import("question\nGood?\n   \n", Some("csv"));
        assert!(bad.is_ok(), "blank rows of a CSV are skipped by the reader");
        let bad = parse_import("{\"question\": \"\"}\nnot json\n", Some("jsonl")).unwrap_err();
        assert_eq!(bad.len(), 2);
        assert!(
            bad[0].starts_with("Line 1:") && bad[1].starts_with("Line 2:"),
            "{bad:?}"
        );
        assert!(parse_import("answer\nx\n", None).unwrap_err()[0].contains("question column"));
        assert!(parse_import("", None).is_err());
        assert!(parse_import("question\nQ?", Some("xml")).unwrap_err()[0].contains("csv or jsonl"));
    }
}
