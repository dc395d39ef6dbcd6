//! Analytics rollups: usage by organization, project, agent, user and model in 15-minute UTC
//! slots (see migration 0007). The accounting here is the only code that turns a response or a
//! vote into rollup numbers; the live writes, `analytics rebuild` and the demo history all use it.

use std::{collections::BTreeMap, ops::AddAssign};

use sqlx::AnyConnection;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::{Store, sql::Sql};
use crate::error::Result;

/// Seconds in a rollup slot.
pub const SLOT: i64 = 900;

/// A `created_on` timestamp as unix seconds.
pub fn seconds_of(created_on: &str) -> i64 {
    OffsetDateTime::parse(created_on, &Rfc3339)
        .map(|t| t.unix_timestamp())
        .unwrap_or(0)
}

/// The slot of a `created_on` timestamp (unix seconds, a multiple of [`SLOT`]).
pub fn slot_of(created_on: &str) -> i64 {
    seconds_of(created_on).div_euclid(SLOT) * SLOT
}

/// A USD decimal string as billionths of a dollar, exactly (digits past the ninth are rounded).
/// Anything unreadable counts as zero rather than failing an answer.
pub fn cost_nanos(cost: &str) -> i64 {
    parse_cost(cost).unwrap_or(0)
}

/// A plain decimal (`12`, `0.0025`, `-1.5`; no exponent) as billionths of a dollar.
pub fn parse_cost(cost: &str) -> Option<i64> {
    let cost = cost.trim();
    let (negative, digits) = match cost.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cost),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut nanos: i64 = 0;
    for (i, b) in fraction.bytes().enumerate() {
        let d = i64::from(b - b'0');
        if i < 9 {
            nanos = nanos * 10 + d;
        } else {
            if i == 9 && d >= 5 {
                nanos += 1;
            }
            break;
        }
    }
    for _ in fraction.len()..9 {
        nanos *= 10;
    }
    let total = whole.checked_mul(1_000_000_000)?.checked_add(nanos)?;
    Some(if negative { -total } else { total })
}

/// Billionths of a dollar as the API writes cost: a decimal string without trailing zeros.
pub fn format_cost(nanos: i128) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let n = nanos.unsigned_abs();
    let whole = n / 1_000_000_000;
    let fraction = n % 1_000_000_000;
    if fraction == 0 {
        return format!("{sign}{whole}");
    }
    let fraction = format!("{fraction:09}");
    format!("{sign}{whole}.{}", fraction.trim_end_matches('0'))
}

/// Where a response's numbers go.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct UsageKey {
    pub organization_id: i64,
    pub slot: i64,
    pub project_id: i64,
    pub agent_id: i64,
    pub user_id: i64,
    pub model: String,
}

/// Numbers of a rollup row (or a change to one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub queries: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub total_tokens: i64,
    pub cost_nanos: i64,
    pub upvotes: i64,
    pub downvotes: i64,
}

impl AddAssign for Usage {
    fn add_assign(&mut self, o: Self) {
        self.queries += o.queries;
        self.prompt_tokens += o.prompt_tokens;
        self.completion_tokens += o.completion_tokens;
        self.total_tokens += o.total_tokens;
        self.cost_nanos += o.cost_nanos;
        self.upvotes += o.upvotes;
        self.downvotes += o.downvotes;
    }
}

impl Usage {
    /// A finished response: one query and what it used.
    pub fn answered(prompt_tokens: i64, completion_tokens: i64, total_tokens: i64, cost: &str) -> Self {
        Self {
            queries: 1,
            prompt_tokens,
            completion_tokens,
            total_tokens,
            cost_nanos: cost_nanos(cost),
            ..Self::default()
        }
    }

    /// A vote given (`sign` 1) or taken back (`sign` -1).
    pub fn vote(vote: &str, sign: i64) -> Self {
        match vote {
            "upvote" => Self {
                upvotes: sign,
                ..Self::default()
            },
            "downvote" => Self {
                downvotes: sign,
                ..Self::default()
            },
            _ => Self::default(),
        }
    }
}

/// The rollup key of a response, from its row: (organization, created_on, project, agent, user, model).
pub type ResponseKeyRow = (i64, String, Option<i64>, i64, i64, String);

pub fn key_of(row: &ResponseKeyRow) -> UsageKey {
    UsageKey {
        organization_id: row.0,
        slot: slot_of(&row.1),
        project_id: row.2.unwrap_or(0),
        agent_id: row.3,
        user_id: row.4,
        model: row.5.clone(),
    }
}

/// The columns [`ResponseKeyRow`] is read from.
pub const KEY_COLUMNS: &str = "organization_id, created_on, project_id, agent_id, user_id, model";

/// The rollup tables, finest first: (table, key columns). Each row of `usage_rollups` also
/// counts in one row of each coarser table.
const LEVELS: [(&str, &[&str]); 4] = [
    (
        "usage_rollups",
        &["organization_id", "slot", "project_id", "agent_id", "user_id", "model"],
    ),
    (
        "usage_agent_slots",
        &["organization_id", "slot", "project_id", "agent_id"],
    ),
    ("usage_user_slots", &["organization_id", "slot", "user_id"]),
    ("usage_org_slots", &["organization_id", "slot"]),
];

const VALUE_COLUMNS: [&str; 7] = [
    "queries",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "cost_nanos",
    "upvotes",
    "downvotes",
];

/// How long a rollup row lasts (migration 0010): every table holds each usage three times, in
/// its quarter hour, its UTC hour and its UTC day, so a report can read the coarsest rows that
/// fit its buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Grain {
    Slot = 0,
    Hour = 1,
    Day = 2,
}

impl Grain {
    pub const ALL: [Grain; 3] = [Grain::Slot, Grain::Hour, Grain::Day];

    pub fn seconds(self) -> i64 {
        match self {
            Grain::Slot => SLOT,
            Grain::Hour => 3_600,
            Grain::Day => 86_400,
        }
    }

    /// The start of the row of this grain that `slot` falls in (slots are never negative).
    pub fn floor(self, slot: i64) -> i64 {
        slot - slot.rem_euclid(self.seconds())
    }
}

/// Adds `usage` to its rows at every level and grain, inside the caller's transaction: one
/// statement per level, its three grains as three rows (each statement is a hand-off to the
/// database, and this runs for every answer and every vote).
pub async fn add_usage(conn: &mut AnyConnection, key: &UsageKey, usage: Usage) -> Result<()> {
    for (table, keys) in LEVELS {
        add_to(conn, table, keys, &Grain::ALL, key, usage).await?;
    }
    Ok(())
}

/// Adds `usage` to the rows of `table` (keyed by `keys`) of each of `grains` that `key` falls
/// in, in one statement.
async fn add_to(
    conn: &mut AnyConnection,
    table: &str,
    keys: &[&str],
    grains: &[Grain],
    key: &UsageKey,
    usage: Usage,
) -> Result<()> {
    let keys: Vec<&str> = std::iter::once("grain").chain(keys.iter().copied()).collect();
    let columns: Vec<&str> = keys.iter().chain(VALUE_COLUMNS.iter()).copied().collect();
    let rows: Vec<String> = (0..grains.len())
        .map(|row| {
            let marks: Vec<String> = (1..=columns.len())
                .map(|i| format!("${}", row * columns.len() + i))
                .collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let updates: Vec<String> = VALUE_COLUMNS
        .iter()
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({}) VALUES {} ON CONFLICT ({}) DO UPDATE SET {}",
        columns.join(", "),
        rows.join(", "),
        keys.join(", "),
        updates.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for &grain in grains {
        for k in &keys {
            q = match *k {
                "grain" => q.bind(grain as i64),
                "organization_id" => q.bind(key.organization_id),
                "slot" => q.bind(grain.floor(key.slot)),
                "project_id" => q.bind(key.project_id),
                "agent_id" => q.bind(key.agent_id),
                "user_id" => q.bind(key.user_id),
                _ => q.bind(key.model.clone()),
            };
        }
        q = q
            .bind(usage.queries)
            .bind(usage.prompt_tokens)
            .bind(usage.completion_tokens)
            .bind(usage.total_tokens)
            .bind(usage.cost_nanos)
            .bind(usage.upvotes)
            .bind(usage.downvotes);
    }
    q.execute(conn).await?;
    Ok(())
}

/// Recomputes a level's rows of one grain from the quarter hours of `usage_rollups` (after a
/// rebuild has written those).
async fn derive_level(conn: &mut AnyConnection, table: &str, keys: &[&str], grain: Grain) -> Result<()> {
    let sums: Vec<String> = VALUE_COLUMNS.iter().map(|c| format!("SUM({c})")).collect();
    let seconds = grain.seconds();
    let grouped: Vec<String> = keys
        .iter()
        .map(|k| {
            if *k == "slot" {
                format!("slot - slot % {seconds}")
            } else {
                k.to_string()
            }
        })
        .collect();
    sqlx::query(&format!(
        "INSERT INTO {table} (grain, {}, {}) SELECT {}, {}, {} FROM usage_rollups WHERE grain = {} GROUP BY {}",
        keys.join(", "),
        VALUE_COLUMNS.join(", "),
        grain as i64,
        grouped.join(", "),
        sums.join(", "),
        Grain::Slot as i64,
        grouped.join(", ")
    ))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A response as `rebuild` reads it.
#[derive(sqlx::FromRow)]
struct RawResponse {
    id: i64,
    organization_id: i64,
    created_on: String,
    project_id: Option<i64>,
    agent_id: i64,
    user_id: i64,
    model: String,
    status: String,
    prompt_tokens: i64,
    completion_tokens: i64,
    total_tokens: i64,
    cost: String,
}

impl RawResponse {
    fn key(&self) -> UsageKey {
        key_of(&(
            self.organization_id,
            self.created_on.clone(),
            self.project_id,
            self.agent_id,
            self.user_id,
            self.model.clone(),
        ))
    }
}

/// A vote as `rebuild` reads it, with its response's key columns.
#[derive(sqlx::FromRow)]
struct RawVote {
    organization_id: i64,
    created_on: String,
    project_id: Option<i64>,
    agent_id: i64,
    user_id: i64,
    model: String,
    vote: String,
}

/// What `analytics rebuild` found and did.
#[derive(Debug, Default)]
pub struct RebuildReport {
    pub responses: u64,
    pub rows: usize,
    /// Rollup rows whose stored numbers differed from the recomputed ones (or were missing or extra).
    pub differences: Vec<String>,
}

impl Store {
    /// Recomputes every rollup row from the raw responses and votes, replaces the stored ones,
    /// and reports where they differed.
    pub async fn rebuild_usage_rollups(&self) -> Result<RebuildReport> {
        let mut fresh: BTreeMap<UsageKey, Usage> = BTreeMap::new();
        let mut report = RebuildReport::default();
        let mut after = 0i64;
        loop {
            let rows: Vec<RawResponse> = sqlx::query_as(&format!(
                "SELECT id, {KEY_COLUMNS}, status, prompt_tokens, completion_tokens, total_tokens, cost \
                 FROM agent_responses WHERE id > $1 ORDER BY id LIMIT 10000"
            ))
            .bind(after)
            .fetch_all(self.pool())
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            for r in rows {
                if r.status == "streaming" {
                    continue;
                }
                report.responses += 1;
                let usage = Usage::answered(r.prompt_tokens, r.completion_tokens, r.total_tokens, &r.cost);
                *fresh.entry(r.key()).or_default() += usage;
            }
        }
        let votes: Vec<RawVote> = sqlx::query_as(
            "SELECT r.organization_id, r.created_on, r.project_id, r.agent_id, r.user_id, r.model, f.vote \
             FROM response_feedback f JOIN agent_responses r ON r.id = f.response_id",
        )
        .fetch_all(self.pool())
        .await?;
        for v in votes {
            let key = key_of(&(
                v.organization_id,
                v.created_on,
                v.project_id,
                v.agent_id,
                v.user_id,
                v.model,
            ));
            *fresh.entry(key).or_default() += Usage::vote(&v.vote, 1);
        }
        fresh.retain(|_, u| *u != Usage::default());

        let stored = self.all_usage_rollups().await?;
        for (key, usage) in &fresh {
            match stored.get(key) {
                Some(s) if s == usage => {}
                Some(s) => report
                    .differences
                    .push(format!("{key:?}: stored {s:?}, recomputed {usage:?}")),
                None => report
                    .differences
                    .push(format!("{key:?}: missing, recomputed {usage:?}")),
            }
        }
        for (key, s) in &stored {
            if !fresh.contains_key(key) && *s != Usage::default() {
                report
                    .differences
                    .push(format!("{key:?}: stored {s:?}, recomputed nothing"));
            }
        }
        report.rows = fresh.len();

        let mut tx = self.db.write().await?;
        for (table, _) in LEVELS {
            sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
        }
        let (finest, keys) = LEVELS[0];
        for (key, usage) in &fresh {
            add_to(&mut tx, finest, keys, &[Grain::Slot], key, *usage).await?;
        }
        for (i, (table, keys)) in LEVELS.iter().enumerate() {
            for grain in Grain::ALL {
                // The quarter hours of the finest level are the ones just written.
                if i > 0 || grain != Grain::Slot {
                    derive_level(&mut tx, table, keys, grain).await?;
                }
            }
        }
        sqlx::query("UPDATE analytics_state SET rebuilt_on = $1 WHERE id = 1")
            .bind(crate::time_fmt::now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Every stored quarter-hour row of the finest level (for `rebuild` and tests).
    pub async fn all_usage_rollups(&self) -> Result<BTreeMap<UsageKey, Usage>> {
        type Row = (i64, i64, i64, i64, i64, String, i64, i64, i64, i64, i64, i64, i64);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT organization_id, slot, project_id, agent_id, user_id, model, queries, prompt_tokens, \
             completion_tokens, total_tokens, cost_nanos, upvotes, downvotes FROM usage_rollups WHERE grain = 0",
        )
        .fetch_all(self.pool())
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    UsageKey {
                        organization_id: r.0,
                        slot: r.1,
                        project_id: r.2,
                        agent_id: r.3,
                        user_id: r.4,
                        model: r.5,
                    },
                    Usage {
                        queries: r.6,
                        prompt_tokens: r.7,
                        completion_tokens: r.8,
                        total_tokens: r.9,
                        cost_nanos: r.10,
                        upvotes: r.11,
                        downvotes: r.12,
                    },
                )
            })
            .collect())
    }

    /// A database from before rollups (or restored from raw data) gets them on its first start.
    pub async fn rollups_need_rebuild(&self) -> Result<bool> {
        let (rebuilt,): (Option<String>,) = sqlx::query_as("SELECT rebuilt_on FROM analytics_state WHERE id = 1")
            .fetch_one(self.pool())
            .await?;
        Ok(rebuilt.is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_are_summed_exactly_and_written_back_as_decimals() {
        assert_eq!(cost_nanos("0.0025"), 2_500_000);
        assert_eq!(cost_nanos("12"), 12_000_000_000);
        assert_eq!(cost_nanos("0.0000000015"), 2);
        assert_eq!(cost_nanos(".5"), 500_000_000);
        assert_eq!(cost_nanos("abc"), 0);
        assert_eq!(cost_nanos(""), 0);
        assert_eq!(format_cost(2_500_000), "0.0025");
        assert_eq!(format_cost(12_000_000_000), "12");
        assert_eq!(format_cost(0), "0");
        assert_eq!(format_cost(-1), "-0.000000001");
    }

    #[test]
    fn slots_are_quarter_hours_in_utc() {
        assert_eq!(slot_of("2025-01-08T22:14:59.999999Z") % SLOT, 0);
        assert_eq!(
            slot_of("2025-01-08T22:14:59.999999Z"),
            slot_of("2025-01-08T22:00:00.000000Z")
        );
        assert_ne!(
            slot_of("2025-01-08T22:15:00.000000Z"),
            slot_of("2025-01-08T22:14:59.999999Z")
        );
    }

    const DAY: i64 = 86_400;

    #[test]
    fn utc_day_buckets_read_whole_days() {
        let start = 20_000 * DAY;
        let cuts: Vec<i64> = (1..90).map(|d| start + d * DAY).collect();
        assert_eq!(
            pieces(start, start + 90 * DAY, &cuts),
            vec![(Grain::Day, start, start + 90 * DAY)]
        );
    }

    #[test]
    fn half_hour_zones_read_hours_and_quarter_hours_at_local_midnight() {
        // Days in +05:30 begin at 18:30 UTC.
        let start = 20_000 * DAY - 19_800;
        let p = pieces(start, start + 2 * DAY, &[start + DAY]);
        assert_eq!(
            p,
            vec![
                (Grain::Slot, start, start + 1_800),
                (Grain::Hour, start + 1_800, start + DAY - 1_800),
                (Grain::Slot, start + DAY - 1_800, start + DAY + 1_800),
                (Grain::Hour, start + DAY + 1_800, start + 2 * DAY - 1_800),
                (Grain::Slot, start + 2 * DAY - 1_800, start + 2 * DAY),
            ]
        );
    }

    #[test]
    fn pieces_cover_the_range_once_and_never_cross_a_bucket() {
        for (start, len, step) in [
            (7 * SLOT, 3 * DAY + 5 * SLOT, 3_600),
            (DAY - SLOT, 40 * DAY, 7 * DAY),
            (13 * SLOT, 2 * 3_600, SLOT),
            (5 * DAY + 3 * SLOT, DAY, 5 * 3_600 + 2 * SLOT),
        ] {
            let end = start + len;
            let cuts: Vec<i64> = (1..).map(|i| start + i * step).take_while(|c| *c < end).collect();
            let p = pieces(start, end, &cuts);
            let mut at = start;
            for (grain, a, b) in &p {
                assert_eq!(*a, at, "contiguous");
                assert!(a < b);
                assert_eq!(a % grain.seconds(), 0, "{grain:?} rows start on their grain");
                assert_eq!(b % grain.seconds(), 0);
                at = *b;
            }
            assert_eq!(at, end);
            // A row of a piece never spans a cut.
            for (grain, a, b) in &p {
                for row in (*a..*b).step_by(grain.seconds() as usize) {
                    assert!(!cuts.iter().any(|c| row < *c && *c < row + grain.seconds()));
                }
            }
        }
        assert!(pieces(5 * DAY, 5 * DAY, &[]).is_empty());
        assert_eq!(pieces(i64::MIN, i64::MAX, &[]), vec![(Grain::Day, 0, FAR_FUTURE)]);
    }
}

/// Which rollup rows a report reads: an organization, `[start, end)` in unix seconds, and
/// optional id filters (a team filter arrives here as its projects).
#[derive(Debug, Clone, Default)]
pub struct UsageScope {
    pub organization_id: i64,
    pub start: i64,
    pub end: i64,
    pub agents: Option<Vec<i64>>,
    pub projects: Option<Vec<i64>>,
    pub users: Option<Vec<i64>>,
    /// Where the report's buckets begin (after `start`): no row read may straddle one.
    pub cuts: Vec<i64>,
}

/// 10000-01-01: the end of an open range (a UTC midnight, so every grain divides it).
const FAR_FUTURE: i64 = 253_402_300_800;

/// The parts of `[start, end)` to read at each grain, coarsest possible: each row read lies
/// wholly inside the range and inside one bucket (`cuts` are the bucket boundaries). 90 days
/// by day in UTC is one range of days; in +05:30 it is hours, with quarter hours around each
/// local midnight. Adjacent parts of one grain are merged.
pub fn pieces(start: i64, end: i64, cuts: &[i64]) -> Vec<(Grain, i64, i64)> {
    fn cover(a: i64, b: i64, grain: Grain, out: &mut Vec<(Grain, i64, i64)>) {
        if a >= b {
            return;
        }
        let finer = match grain {
            Grain::Day => Grain::Hour,
            Grain::Hour => Grain::Slot,
            Grain::Slot => {
                out.push((Grain::Slot, a, b));
                return;
            }
        };
        let lo = grain.floor(a + grain.seconds() - 1);
        let hi = grain.floor(b);
        if lo < hi {
            cover(a, lo, finer, out);
            out.push((grain, lo, hi));
            cover(hi, b, finer, out);
        } else {
            cover(a, b, finer, out);
        }
    }
    let (start, end) = (start.max(0), end.min(FAR_FUTURE));
    let mut bounds = vec![start];
    bounds.extend(cuts.iter().copied().filter(|c| *c > start && *c < end));
    bounds.push(end);
    let mut out: Vec<(Grain, i64, i64)> = Vec::new();
    for w in bounds.windows(2) {
        let mut part = Vec::new();
        cover(w[0], w[1], Grain::Day, &mut part);
        for (grain, a, b) in part {
            match out.last_mut() {
                Some((g, _, end)) if *g == grain && *end == a => *end = b,
                _ => out.push((grain, a, b)),
            }
        }
    }
    out
}

/// The coarsest rollup table that can answer: the organization's when nothing is filtered or
/// grouped, the agents' (which has projects, so teams too) when only agents or projects are,
/// the users' when only users are, the finest when both are.
fn table_for(scope: &UsageScope, by_user: bool, by_agent_or_project: bool) -> &'static str {
    let agents = by_agent_or_project || scope.agents.is_some() || scope.projects.is_some();
    let users = by_user || scope.users.is_some();
    match (agents, users) {
        (true, true) => "usage_rollups",
        (true, false) => "usage_agent_slots",
        (false, true) => "usage_user_slots",
        (false, false) => "usage_org_slots",
    }
}

/// The dimension a breakdown groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Agent,
    Project,
    User,
}

impl Dimension {
    fn column(self) -> &'static str {
        match self {
            Dimension::Agent => "agent_id",
            Dimension::Project => "project_id",
            Dimension::User => "user_id",
        }
    }
}

impl Sql {
    /// ` AND column IN (…)`; an empty list matches nothing.
    fn and_in(&mut self, column: &str, ids: &Option<Vec<i64>>) {
        let Some(ids) = ids else { return };
        if ids.is_empty() {
            self.text.push_str(" AND 1 = 0");
            return;
        }
        let marks: Vec<String> = ids.iter().map(|id| self.arg(*id)).collect();
        self.text.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
    }

    /// `select` (which names its table `{table}`) over `[start, end)`, read in [`pieces`],
    /// and the scope's filters. The pieces are joined as a table of (grain, from, to) rows so
    /// that both databases seek the primary key once per piece (SQLite scans the whole table
    /// for the equivalent OR of ranges).
    fn scoped(select: &str, scope: &UsageScope, table: &str) -> Self {
        let mut sql = Self::new(&select.replace("{table}", table));
        let pieces = pieces(scope.start, scope.end, &scope.cuts);
        if !pieces.is_empty() {
            let rows: Vec<String> = pieces
                .iter()
                .map(|(grain, a, b)| format!("({}, {}, {})", sql.arg(*grain as i64), sql.arg(*a), sql.arg(*b)))
                .collect();
            sql.text.push_str(&format!(
                " JOIN (VALUES {}) AS pieces ON grain = pieces.column1 AND slot >= pieces.column2 AND slot < pieces.column3",
                rows.join(", ")
            ));
        }
        let org = sql.arg(scope.organization_id);
        sql.text.push_str(&format!(" WHERE organization_id = {org}"));
        if pieces.is_empty() {
            sql.text.push_str(" AND 1 = 0");
        }
        sql.and_in("agent_id", &scope.agents);
        sql.and_in("project_id", &scope.projects);
        sql.and_in("user_id", &scope.users);
        sql
    }
}

// PostgreSQL sums BIGINTs as NUMERIC: cast back, so both backends answer 64-bit integers.
const SUMS: &str = "CAST(SUM(queries) AS BIGINT), CAST(SUM(prompt_tokens) AS BIGINT), \
                    CAST(SUM(completion_tokens) AS BIGINT), CAST(SUM(total_tokens) AS BIGINT), \
                    CAST(SUM(cost_nanos) AS BIGINT), CAST(SUM(upvotes) AS BIGINT), CAST(SUM(downvotes) AS BIGINT)";

type SumRow = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

fn usage_of(r: &SumRow) -> Usage {
    Usage {
        queries: r.1.unwrap_or(0),
        prompt_tokens: r.2.unwrap_or(0),
        completion_tokens: r.3.unwrap_or(0),
        total_tokens: r.4.unwrap_or(0),
        cost_nanos: r.5.unwrap_or(0),
        upvotes: r.6.unwrap_or(0),
        downvotes: r.7.unwrap_or(0),
    }
}

impl Store {
    /// Usage per slot (only slots with rows).
    pub async fn usage_by_slot(&self, scope: &UsageScope) -> Result<Vec<(i64, Usage)>> {
        let table = table_for(scope, false, false);
        let mut sql = Sql::scoped(&format!("SELECT slot, {SUMS} FROM {{table}}"), scope, table);
        sql.text.push_str(" GROUP BY slot");
        let rows: Vec<SumRow> = sql.query_as().fetch_all(self.pool()).await?;
        Ok(rows.iter().map(|r| (r.0, usage_of(r))).collect())
    }

    /// Usage per agent, project or user.
    pub async fn usage_by(&self, scope: &UsageScope, by: Dimension) -> Result<Vec<(i64, Usage)>> {
        let column = by.column();
        let table = table_for(scope, by == Dimension::User, by != Dimension::User);
        let mut sql = Sql::scoped(&format!("SELECT {column}, {SUMS} FROM {{table}}"), scope, table);
        sql.text.push_str(&format!(" GROUP BY {column}"));
        let rows: Vec<SumRow> = sql.query_as().fetch_all(self.pool()).await?;
        Ok(rows.iter().map(|r| (r.0, usage_of(r))).collect())
    }

    /// Distinct users who asked, per agent, project or user (`None`: in all).
    pub async fn askers_by(&self, scope: &UsageScope, by: Option<Dimension>) -> Result<Vec<(i64, i64)>> {
        let group = by.map(Dimension::column).unwrap_or("0");
        let by_agent_or_project = matches!(by, Some(Dimension::Agent | Dimension::Project));
        let mut sql = Sql::scoped(
            &format!("SELECT {group}, COUNT(DISTINCT user_id) FROM {{table}}"),
            scope,
            table_for(scope, true, by_agent_or_project),
        );
        sql.text.push_str(" AND queries > 0");
        if by.is_some() {
            sql.text.push_str(&format!(" GROUP BY {group}"));
        }
        let rows: Vec<(i64, i64)> = sql.query_as().fetch_all(self.pool()).await?;
        Ok(rows)
    }

    /// Distinct users who asked, per (agent | project, user) pair, for team roll-ups of askers.
    pub async fn askers_per_project(&self, scope: &UsageScope) -> Result<Vec<(i64, i64)>> {
        let mut sql = Sql::scoped(
            "SELECT DISTINCT project_id, user_id FROM {table}",
            scope,
            "usage_rollups",
        );
        sql.text.push_str(" AND queries > 0");
        Ok(sql.query_as().fetch_all(self.pool()).await?)
    }

    /// Conversations started in `[start, end)` (timestamps), per agent and user.
    pub async fn threads_started(&self, scope: &UsageScope, start: &str, end: &str) -> Result<Vec<(i64, i64, i64)>> {
        let mut sql =
            Sql::new("SELECT t.agent_id, t.user_id, COUNT(*) FROM chat_threads t JOIN agents a ON a.id = t.agent_id");
        let org = sql.arg(scope.organization_id);
        sql.text.push_str(&format!(" WHERE t.organization_id = {org}"));
        sql.and_in("t.agent_id", &scope.agents);
        sql.and_in("a.project_id", &scope.projects);
        sql.and_in("t.user_id", &scope.users);
        let (from, to) = (sql.arg(start), sql.arg(end));
        sql.text.push_str(&format!(
            " AND t.created_on >= {from} AND t.created_on < {to} GROUP BY t.agent_id, t.user_id"
        ));
        let rows: Vec<(i64, i64, i64)> = sql.query_as().fetch_all(self.pool()).await?;
        Ok(rows)
    }

    /// Names of an organization's agents, projects, teams, users or corpora (deleted ones
    /// included: their history still counts).
    pub async fn entity_names(&self, org: i64, kind: EntityKind) -> Result<Vec<(i64, String)>> {
        let sql = match kind {
            EntityKind::Agent => "SELECT id, agent_name FROM agents WHERE organization_id = $1",
            EntityKind::Project => "SELECT id, name FROM projects WHERE organization_id = $1",
            EntityKind::Team => "SELECT id, name FROM teams WHERE organization_id = $1",
            EntityKind::User => {
                "SELECT id, CASE WHEN TRIM(first_name || ' ' || last_name) = '' THEN email \
                 ELSE TRIM(first_name || ' ' || last_name) END FROM users WHERE organization_id = $1"
            }
            EntityKind::Corpus => "SELECT id, name FROM corpora WHERE organization_id = $1",
        };
        Ok(sqlx::query_as(sql).bind(org).fetch_all(self.pool()).await?)
    }

    /// Each project's team (projects without a team are left out).
    pub async fn project_teams(&self, org: i64) -> Result<Vec<(i64, i64)>> {
        Ok(
            sqlx::query_as("SELECT id, team_id FROM projects WHERE organization_id = $1 AND team_id IS NOT NULL")
                .bind(org)
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Each agent's project.
    pub async fn agent_projects(&self, org: i64) -> Result<Vec<(i64, i64)>> {
        Ok(
            sqlx::query_as("SELECT id, project_id FROM agents WHERE organization_id = $1")
                .bind(org)
                .fetch_all(self.pool())
                .await?,
        )
    }

    /// Projects a user administers: as their project's Admin, or as Admin of its team.
    pub async fn administered_projects(&self, user: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT project_id FROM project_members WHERE user_id = $1 AND role = 'Admin' \
             UNION SELECT p.id FROM projects p JOIN team_members tm ON tm.team_id = p.team_id \
             WHERE tm.user_id = $1 AND tm.role = 'Admin'",
        )
        .bind(user)
        .fetch_all(self.pool())
        .await?)
    }

    /// Documents (not deleted) added in `[start, end)`: (created_on, corpus, uploaded by).
    pub async fn documents_added(&self, org: i64, start: &str, end: &str) -> Result<Vec<(String, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT created_on, corpus_id, uploaded_by_id FROM documents \
             WHERE organization_id = $1 AND created_on >= $2 AND created_on < $3 AND is_deleted = 0",
        )
        .bind(org)
        .bind(start)
        .bind(end)
        .fetch_all(self.pool())
        .await?)
    }

    /// Corpora that exist: (id, name, indexing mode, owner).
    pub async fn live_corpora(&self, org: i64) -> Result<Vec<(i64, String, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT id, name, indexing_mode_id, owner_id FROM corpora WHERE organization_id = $1 AND is_deleted = 0",
        )
        .bind(org)
        .fetch_all(self.pool())
        .await?)
    }

    /// Which agents each corpus is connected to: (corpus, agent).
    pub async fn corpus_connections(&self, org: i64) -> Result<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT ac.corpus_id, ac.agent_id FROM agent_corpora ac JOIN agents a ON a.id = ac.agent_id \
             WHERE a.organization_id = $1 AND a.is_deleted = 0",
        )
        .bind(org)
        .fetch_all(self.pool())
        .await?)
    }

    /// Entities created since `since` (a timestamp), newest first, at most 100.
    pub async fn recently_created(
        &self,
        org: i64,
        kind: EntityKind,
        since: &str,
    ) -> Result<Vec<(i64, String, String, String)>> {
        let sql = match kind {
            EntityKind::Agent => {
                "SELECT id, agent_name, created_on, created_by FROM agents WHERE organization_id = $1 AND is_deleted = 0"
            }
            EntityKind::Project => {
                "SELECT id, name, created_on, created_by FROM projects WHERE organization_id = $1 AND is_deleted = 0"
            }
            EntityKind::Team => {
                "SELECT id, name, created_on, created_by FROM teams WHERE organization_id = $1 AND is_deleted = 0"
            }
            EntityKind::User => {
                "SELECT id, CASE WHEN TRIM(first_name || ' ' || last_name) = '' THEN email \
                 ELSE TRIM(first_name || ' ' || last_name) END, created_on, created_by FROM users \
                 WHERE organization_id = $1 AND is_deleted = 0"
            }
            EntityKind::Corpus => {
                "SELECT id, name, created_on, created_by FROM corpora WHERE organization_id = $1 AND is_deleted = 0"
            }
        };
        Ok(sqlx::query_as(&format!(
            "{sql} AND created_on >= $2 ORDER BY created_on DESC, id DESC LIMIT 100"
        ))
        .bind(org)
        .bind(since)
        .fetch_all(self.pool())
        .await?)
    }

    /// Documents (not deleted) in these corpora.
    pub async fn documents_in(&self, corpora: &[i64]) -> Result<i64> {
        let mut sql = Sql::new("SELECT COUNT(*) FROM documents WHERE is_deleted = 0");
        sql.and_in("corpus_id", &Some(corpora.to_vec()));
        let (n,): (i64,) = sql.query_as().fetch_one(self.pool()).await?;
        Ok(n)
    }

    /// How many of each thing an organization has now.
    pub async fn total_counts(&self, org: i64) -> Result<ejento_api::TotalCounts> {
        let count = |sql: &'static str| async move {
            let (n,): (i64,) = sqlx::query_as(sql).bind(org).fetch_one(self.pool()).await?;
            Ok::<i64, crate::error::Error>(n)
        };
        Ok(ejento_api::TotalCounts {
            users: count("SELECT COUNT(*) FROM users WHERE organization_id = $1 AND is_deleted = 0").await?,
            teams: count("SELECT COUNT(*) FROM teams WHERE organization_id = $1 AND is_deleted = 0").await?,
            projects: count("SELECT COUNT(*) FROM projects WHERE organization_id = $1 AND is_deleted = 0").await?,
            agents: count("SELECT COUNT(*) FROM agents WHERE organization_id = $1 AND is_deleted = 0").await?,
            corpora: count("SELECT COUNT(*) FROM corpora WHERE organization_id = $1 AND is_deleted = 0").await?,
            documents: count("SELECT COUNT(*) FROM documents WHERE organization_id = $1 AND is_deleted = 0").await?,
            chat_threads: count("SELECT COUNT(*) FROM chat_threads WHERE organization_id = $1").await?,
            queries: count(
                "SELECT CAST(COALESCE(SUM(queries), 0) AS BIGINT) FROM usage_org_slots WHERE organization_id = $1 AND grain = 2",
            )
            .await?,
        })
    }
}

/// What a report is broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityKind {
    Agent,
    Project,
    Team,
    User,
    Corpus,
}

/// One response of generated history (`seed --responses`).
#[derive(Debug, Clone)]
pub struct HistoryResponse {
    pub organization_id: i64,
    pub project_id: i64,
    pub agent_id: i64,
    pub user_id: i64,
    pub thread_id: i64,
    pub by: String,
    pub query: String,
    pub answer: String,
    pub created_on: String,
    pub model: String,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub cost: String,
    pub vote: Option<&'static str>,
    pub first_token_ms: i64,
    pub latency_ms: i64,
}

impl Store {
    /// A conversation of generated history, started at `created_on`.
    pub async fn create_history_thread(
        &self,
        org: i64,
        agent: i64,
        user: i64,
        by: &str,
        title: &str,
        created_on: &str,
    ) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO chat_threads (organization_id, agent_id, user_id, title, created_by, created_on, modified_by, modified_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $5, $6) RETURNING id",
        )
        .bind(org)
        .bind(agent)
        .bind(user)
        .bind(title)
        .bind(by)
        .bind(created_on)
        .fetch_one(self.pool())
        .await?)
    }

    /// Stores finished responses of generated history, their votes and their rollups in one
    /// transaction, with the same accounting as live answers.
    pub async fn insert_history(&self, batch: &[HistoryResponse]) -> Result<()> {
        const COLUMNS: usize = 18;
        let mut tx = self.db.write().await?;
        let mut sums: BTreeMap<UsageKey, Usage> = BTreeMap::new();
        for chunk in batch.chunks(50) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let marks: Vec<String> = (1..=COLUMNS).map(|c| format!("${}", i * COLUMNS + c)).collect();
                    format!("({}, 'completed')", marks.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO agent_responses (organization_id, project_id, agent_id, user_id, chat_thread_id, created_by, \
                 query, response, created_on, modified_on, model, prompt_tokens, completion_tokens, total_tokens, cost, \
                 query_source, first_token_ms, latency_ms, status) VALUES {} RETURNING id",
                values.join(", ")
            );
            let mut q = sqlx::query_scalar::<_, i64>(&sql);
            for r in chunk {
                q = q
                    .bind(r.organization_id)
                    .bind(r.project_id)
                    .bind(r.agent_id)
                    .bind(r.user_id)
                    .bind(r.thread_id)
                    .bind(&r.by)
                    .bind(&r.query)
                    .bind(&r.answer)
                    .bind(&r.created_on)
                    .bind(&r.created_on)
                    .bind(&r.model)
                    .bind(r.prompt_tokens)
                    .bind(r.completion_tokens)
                    .bind(r.prompt_tokens + r.completion_tokens)
                    .bind(&r.cost)
                    .bind("web")
                    .bind(r.first_token_ms)
                    .bind(r.latency_ms);
            }
            let ids = q.fetch_all(&mut *tx).await?;
            for (id, r) in ids.iter().zip(chunk) {
                let key = key_of(&(
                    r.organization_id,
                    r.created_on.clone(),
                    Some(r.project_id),
                    r.agent_id,
                    r.user_id,
                    r.model.clone(),
                ));
                let mut usage = Usage::answered(
                    r.prompt_tokens,
                    r.completion_tokens,
                    r.prompt_tokens + r.completion_tokens,
                    &r.cost,
                );
                if let Some(vote) = r.vote {
                    sqlx::query("INSERT INTO response_feedback (response_id, user_id, vote, created_on) VALUES ($1, $2, $3, $4)")
                        .bind(id)
                        .bind(r.user_id)
                        .bind(vote)
                        .bind(&r.created_on)
                        .execute(&mut *tx)
                        .await?;
                    usage += Usage::vote(vote, 1);
                }
                *sums.entry(key).or_default() += usage;
            }
        }
        for (key, usage) in &sums {
            add_usage(&mut tx, key, *usage).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// The completed answers of one model in a range: counts, and every timing, for percentiles.
#[derive(Debug, Default, Clone)]
pub struct ModelTimings {
    pub answers: i64,
    pub total_tokens: i64,
    pub cost_nanos: i128,
    /// Milliseconds to the first token, of the answers that streamed one.
    pub first_token_ms: Vec<u32>,
    /// Milliseconds to the end.
    pub total_ms: Vec<u32>,
}

impl Store {
    /// Per model, the completed answers to people (not evaluation runs) asked in `[start, end)`
    /// (timestamps) within `scope`. Read as a stream, so memory is 8 bytes an answer whatever
    /// the range.
    pub async fn answer_timings(
        &self,
        scope: &UsageScope,
        start: &str,
        end: &str,
    ) -> Result<BTreeMap<String, ModelTimings>> {
        use futures_util::TryStreamExt;
        let mut sql =
            Sql::new("SELECT r.model, r.first_token_ms, r.latency_ms, r.total_tokens, r.cost FROM agent_responses r");
        let org = sql.arg(scope.organization_id);
        sql.text.push_str(&format!(
            " WHERE r.organization_id = {org} AND r.status = 'completed' AND r.query_source <> 'evaluation' AND r.is_deleted = 0"
        ));
        sql.and_in("r.agent_id", &scope.agents);
        sql.and_in("r.project_id", &scope.projects);
        sql.and_in("r.user_id", &scope.users);
        let (from, to) = (sql.arg(start), sql.arg(end));
        sql.text
            .push_str(&format!(" AND r.created_on >= {from} AND r.created_on < {to}"));
        let mut out: BTreeMap<String, ModelTimings> = BTreeMap::new();
        let query = sql.query_as::<(String, Option<i64>, i64, i64, String)>();
        let mut rows = query.fetch(self.pool());
        while let Some((model, first, total, tokens, cost)) = rows.try_next().await? {
            let m = out.entry(model).or_default();
            m.answers += 1;
            m.total_tokens += tokens;
            m.cost_nanos += i128::from(cost_nanos(&cost));
            let ms = |v: i64| v.clamp(0, i64::from(u32::MAX)) as u32;
            if let Some(first) = first {
                m.first_token_ms.push(ms(first));
            }
            m.total_ms.push(ms(total));
        }
        Ok(out)
    }
}
