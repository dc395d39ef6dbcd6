//! Shared list mechanics: page bounds, text search patterns, and `IN (…)` placeholder lists.

use ejento_api::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageMeta};

use super::sql::Sql;
use crate::error::{Error, Result};

/// No list has this many pages; asking for more gives an empty page, not an overflow.
const MAX_PAGE: u64 = 10_000_000;

/// A validated page request.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: u64,
    pub items_per_page: u64,
}

impl PageRequest {
    pub fn new(page: Option<u64>, items_per_page: Option<u64>) -> Self {
        Self {
            // Bounded so that the offset can never overflow, whatever a client asks for.
            page: page.unwrap_or(1).clamp(1, MAX_PAGE),
            items_per_page: items_per_page.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE),
        }
    }

    pub fn limit(&self) -> i64 {
        self.items_per_page as i64
    }

    pub fn offset(&self) -> i64 {
        ((self.page - 1) * self.items_per_page) as i64
    }

    pub fn meta(&self, count: i64) -> PageMeta {
        PageMeta::new(count.max(0) as u64, self.items_per_page, self.page)
    }
}

/// The fields a list sorts by (each also its column) and its order when none is asked for.
/// Each list has its own: a field another list has is no column of this one.
#[derive(Debug, Clone, Copy)]
pub struct Sortable {
    pub fields: &'static [&'static str],
    pub default: SortOrder,
}

/// A list's order: one of its own [`Sortable`] fields, ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortOrder {
    column: &'static str,
    descending: bool,
}

impl SortOrder {
    pub const fn ascending(column: &'static str) -> Self {
        Self {
            column,
            descending: false,
        }
    }

    pub const fn descending(column: &'static str) -> Self {
        Self {
            column,
            descending: true,
        }
    }

    /// `ORDER BY` on the list's table alias, with the id as a tie-break so pages never overlap.
    pub fn sql(&self, table: &str) -> String {
        let dir = if self.descending { "DESC" } else { "ASC" };
        format!("ORDER BY {table}.{} {dir}, {table}.id {dir}", self.column)
    }
}

impl Sortable {
    /// Reads `sort` as the API takes it (`name`, `-created_on`); an unknown field is a 422 that
    /// names the ones this list has.
    pub fn parse(&self, sort: Option<&str>) -> Result<SortOrder> {
        let Some(sort) = sort.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(self.default);
        };
        let (field, descending) = sort.strip_prefix('-').map_or((sort, false), |f| (f, true));
        match self.fields.iter().find(|f| **f == field) {
            Some(column) => Ok(SortOrder { column, descending }),
            None => Err(Error::invalid(
                "sort",
                format!(
                    "This list sorts by {}, each optionally prefixed with - for descending order.",
                    self.fields.join(", ")
                ),
            )),
        }
    }
}

/// A row of a page read with its full count (see [`counted`]): the page and how many rows match
/// the whole filter in one statement.
#[derive(Debug, sqlx::FromRow)]
pub struct Counted<T> {
    full_count: i64,
    #[sqlx(flatten)]
    row: T,
}

/// `SELECT …` with `({count}) AS full_count` added after `SELECT`, where `count` is a
/// `SELECT COUNT(*)` over the same filter with the same placeholders.
///
/// A scalar subquery rather than `COUNT(*) OVER ()`: both databases run an uncorrelated
/// subquery once, counting through the index, and the page keeps its top-N sort under `LIMIT`.
/// A window count makes them build every matching row in full, with its joins, and sort them all
/// before the limit applies: on SQLite that was a third of the agents page's statement (60 µs
/// against 39 µs for 5 agents), and it grows with the number of matches, not the page size.
pub fn counted(select: &str, count: &str) -> String {
    select.replacen("SELECT ", &format!("SELECT ({count}) AS full_count, "), 1)
}

/// A page's rows and their full count, or `None` for an empty page that is not the first (past the
/// end, where the count must be asked on its own).
pub fn page_of<T>(rows: Vec<Counted<T>>, page: PageRequest) -> Option<(Vec<T>, i64)> {
    match rows.first() {
        Some(first) => {
            let count = first.full_count;
            Some((rows.into_iter().map(|r| r.row).collect(), count))
        }
        None if page.offset() == 0 => Some((Vec::new(), 0)),
        None => None,
    }
}

/// A page of rows and how many match, in one statement but for a page past the end:
/// `conditions(select)` appends the same filter, with the same arguments in the same order, to
/// `select` (the page's columns) and to `count_select` (`SELECT COUNT(*) FROM …`), so that the
/// count's text can sit inside the page's statement ([`counted`]).
///
/// `conn` may be one the caller holds for more statements.
pub async fn counted_page<T>(
    conn: &mut sqlx::AnyConnection,
    (select, count_select): (&str, &str),
    conditions: impl Fn(&str) -> Sql,
    order: &str,
    page: PageRequest,
) -> Result<(Vec<T>, i64)>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let count = conditions(count_select);
    let mut sql = conditions(&counted(select, &count.text));
    sql.page(order, page);
    let rows: Vec<Counted<T>> = sql.query_as().fetch_all(&mut *conn).await?;
    if let Some(page) = page_of(rows, page) {
        return Ok(page);
    }
    Ok((Vec::new(), count.query_scalar().fetch_one(conn).await?))
}

/// Which answers of a conversation a page shows, in which order (both over `r`).
pub struct ThreadOrder<'a> {
    /// Extra condition (`AND …`), or empty.
    pub only: &'a str,
    pub order_by: &'a str,
}

/// Every answer, oldest first.
pub const EVERY_ANSWER: ThreadOrder<'static> = ThreadOrder {
    only: "",
    order_by: "r.id",
};

/// A page of a conversation's answers, with how many it has: `select` reads `table` as `r`
/// (with `$1` the caller) and `column` names the conversation.
pub async fn thread_page<T>(
    pool: &sqlx::AnyPool,
    (select, table, column): (&str, &str, &str),
    order: ThreadOrder<'_>,
    caller: i64,
    thread: i64,
    page: PageRequest,
) -> Result<(Vec<T>, i64)>
where
    T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let ThreadOrder { only, order_by } = order;
    let count = format!("SELECT COUNT(*) FROM {table} r WHERE r.{column} = $2 AND r.is_deleted = 0{only}");
    let rows: Vec<Counted<T>> = sqlx::query_as(&format!(
        "{} WHERE r.{column} = $2 AND r.is_deleted = 0{only} ORDER BY {order_by} LIMIT $3 OFFSET $4",
        counted(select, &count)
    ))
    .bind(caller)
    .bind(thread)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    if let Some(page) = page_of(rows, page) {
        return Ok(page);
    }
    // `$1` (the caller) is bound only to keep the count's placeholders those of the page.
    let count = sqlx::query_scalar(&count)
        .bind(caller)
        .bind(thread)
        .fetch_one(pool)
        .await?;
    Ok((Vec::new(), count))
}

/// A `LIKE` pattern matching `text` anywhere, lower-cased, with `%`, `_` and `\` escaped (use
/// with `ESCAPE '\'`). Empty when there is nothing to search for.
pub fn like_pattern(text: Option<&str>) -> String {
    let text = text.map(str::trim).unwrap_or_default().to_lowercase();
    if text.is_empty() {
        return String::new();
    }
    let escaped: String = text
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

/// `$first, $first+1, …` for `n` values.
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_bounded() {
        let p = PageRequest::new(Some(0), Some(1000));
        assert_eq!((p.page, p.items_per_page), (1, MAX_PAGE_SIZE));
        assert_eq!(PageRequest::new(Some(3), Some(10)).offset(), 20);
        assert!(PageRequest::new(Some(u64::MAX), Some(100)).offset() > 0, "no overflow");
    }

    #[test]
    fn search_patterns_escape_wildcards() {
        assert_eq!(like_pattern(Some(" Ab%c_ ")), "%ab\\%c\\_%");
        assert_eq!(like_pattern(Some("  ")), "");
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
    }
}
