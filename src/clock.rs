//! The dashboard's clock: every "now" and "today" the dashboard uses comes from [`now_ms`].
//! It is the browser's clock, unless the server runs its clock from another instant (demos,
//! tests of date views: `EJENTO_CLOCK_START`); the server then writes its time into the page
//! (`<meta name="ejento-clock">`) and the dashboard runs from there at real speed.
//! Dates are the browser's own days in its time zone.

use std::cell::OnceCell;

use js_sys::Date;

thread_local! {
    /// Milliseconds from the browser's clock to the one the dashboard follows.
    static OFFSET_MS: OnceCell<f64> = const { OnceCell::new() };
}

fn server_offset() -> f64 {
    let meta = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(r#"meta[name="ejento-clock"]"#).ok().flatten())
        .and_then(|m| m.get_attribute("content"))
        .and_then(|c| c.parse::<f64>().ok());
    meta.map_or(0.0, |server_ms| server_ms - Date::now())
}

/// Now, in milliseconds since the Unix epoch.
pub fn now_ms() -> f64 {
    Date::now() + OFFSET_MS.with(|o| *o.get_or_init(server_offset))
}

/// The local day `days` days before the day of `at_ms` (negative: after), as YYYY-MM-DD.
/// Counted in calendar days, so month ends, leap days and DST changes fall where they should.
pub fn days_before(at_ms: f64, days: i64) -> String {
    let at = Date::new(&at_ms.into());
    let day = Date::new_with_year_month_day(
        at.get_full_year(),
        at.get_month() as i32,
        at.get_date() as i32 - days as i32,
    );
    ymd(&day)
}

/// Today's date minus `days`, as YYYY-MM-DD.
pub fn local_date(days: i64) -> String {
    days_before(now_ms(), days)
}

fn ymd(d: &Date) -> String {
    format!("{:04}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date())
}

/// Milliseconds of an API timestamp (`2026-12-04T17:59:37.255819Z`); `None` if it is not one.
pub fn parse_ms(timestamp: &str) -> Option<f64> {
    let ms = Date::parse(timestamp);
    (!ms.is_nan()).then_some(ms)
}

/// An API timestamp in local time to the minute: `2026-12-04 18:59`.
pub fn local_minute(timestamp: &str) -> String {
    match parse_ms(timestamp) {
        Some(ms) => {
            let d = Date::new(&ms.into());
            format!("{} {:02}:{:02}", ymd(&d), d.get_hours(), d.get_minutes())
        }
        None => timestamp.to_string(),
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// How long before `now_ms` an API timestamp was, as people say it: "just now", "5 min ago",
/// "3 h ago", "yesterday", "4 days ago", then the local date ("4 Dec", "4 Dec 2025").
pub fn relative_to(timestamp: &str, now_ms: f64) -> String {
    let Some(ms) = parse_ms(timestamp) else {
        return timestamp.to_string();
    };
    let seconds = ((now_ms - ms) / 1000.0).round() as i64;
    let then = Date::new(&ms.into());
    let now = Date::new(&now_ms.into());
    let calendar_days_ago = calendar_days_between(&then, &now);
    match seconds {
        s if s < 45 => "just now".into(),
        s if s < 3600 => format!("{} min ago", ((s + 30) / 60).max(1)),
        s if s < 6 * 3600 || calendar_days_ago == 0 => format!("{} h ago", (s + 1800) / 3600),
        _ if calendar_days_ago == 1 => "yesterday".into(),
        _ if (2..7).contains(&calendar_days_ago) => format!("{calendar_days_ago} days ago"),
        _ => {
            let month = MONTHS[then.get_month() as usize];
            if then.get_full_year() == now.get_full_year() {
                format!("{} {month}", then.get_date())
            } else {
                format!("{} {month} {}", then.get_date(), then.get_full_year())
            }
        }
    }
}

/// Local calendar days from `then`'s day to `now`'s (0: the same day), whatever the length of
/// the days between (DST changes).
fn calendar_days_between(then: &Date, now: &Date) -> i64 {
    let day = |d: &Date| {
        Date::utc(d.get_full_year() as f64, d.get_month() as f64) + (d.get_date() as f64 - 1.0) * 86_400_000.0
    };
    ((day(now) - day(then)) / 86_400_000.0).round() as i64
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The heading a history groups an API timestamp under, seen at `now_ms`: "Today",
/// "Yesterday", "Previous 7 days", "Previous 30 days", then its month ("November 2026").
pub fn history_group(timestamp: &str, now_ms: f64) -> String {
    let Some(ms) = parse_ms(timestamp) else {
        return "Earlier".into();
    };
    let then = Date::new(&ms.into());
    match calendar_days_between(&then, &Date::new(&now_ms.into())) {
        ..=0 => "Today".into(),
        1 => "Yesterday".into(),
        2..=7 => "Previous 7 days".into(),
        8..=30 => "Previous 30 days".into(),
        _ => format!("{} {}", MONTH_NAMES[then.get_month() as usize], then.get_full_year()),
    }
}

/// [`relative_to`] now.
pub fn relative(timestamp: &str) -> String {
    relative_to(timestamp, now_ms())
}
