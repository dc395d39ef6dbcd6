//! Analytics reports: one call per chart or table, with the page's range, zone and filters.

use ejento_api::{AnalyticsReport, IndexingModeReport, LatencyReport, RecentReport, SummaryReport, TotalCounts};

use super::{ApiError, get};

/// What every analytics request carries (from the URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    pub start_date: String,
    pub end_date: String,
    pub bucket_type: String,
    pub timezone: String,
    /// (`agent_ids` | `project_ids` | `team_ids` | `user_ids`, comma-separated ids)
    pub filters: Vec<(String, String)>,
}

impl Params {
    fn query(&self, extra: &[(&str, &str)]) -> String {
        let mut pairs: Vec<(&str, &str)> = vec![
            ("start_date", &self.start_date),
            ("end_date", &self.end_date),
            ("timezone", &self.timezone),
        ];
        if !self.bucket_type.is_empty() {
            pairs.push(("bucket_type", &self.bucket_type));
        }
        for (k, v) in &self.filters {
            pairs.push((k, v));
        }
        pairs.extend_from_slice(extra);
        super::query(&pairs)
    }
}

/// A usage or document report: `path` like `/api/v2/analytics/agents/costs`.
pub async fn report(path: &str, params: &Params) -> Result<AnalyticsReport, ApiError> {
    get(&format!("{path}?{}", params.query(&[]))).await
}

pub async fn most_active(kind: &str, params: &Params) -> Result<AnalyticsReport, ApiError> {
    get(&format!(
        "/api/v2/analytics/{kind}/most-active?{}",
        params.query(&[("limit", "10")])
    ))
    .await
}

pub async fn summary(path: &str, params: &Params) -> Result<SummaryReport, ApiError> {
    get(&format!("{path}?{}", params.query(&[]))).await
}

pub async fn indexing_modes(kind: &str, params: &Params) -> Result<IndexingModeReport, ApiError> {
    get(&format!(
        "/api/v2/analytics/{kind}/indexing-modes?{}",
        params.query(&[])
    ))
    .await
}

pub async fn recent(kind: &str, days: i64) -> Result<RecentReport, ApiError> {
    get(&format!("/api/v2/analytics/{kind}/recent?days={days}")).await
}

pub async fn total_counts() -> Result<TotalCounts, ApiError> {
    get("/api/v2/analytics/total-counts").await
}

/// Time to first token and to the end (p50, p95), overall and per model.
pub async fn latency(params: &Params) -> Result<LatencyReport, ApiError> {
    get(&format!("/api/v2/analytics/latency?{}", params.query(&[]))).await
}
