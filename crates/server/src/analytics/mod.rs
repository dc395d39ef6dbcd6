//! What an analytics request asks for: local dates in a time zone, turned into exact UTC
//! instants and buckets. Every zone's offsets are whole quarter hours, so each bucket is a run
//! of whole 15-minute rollup slots (see `store::analytics`), including across DST changes.

pub mod reports;

use jiff::{
    Timestamp, ToSpan, Zoned,
    civil::{Date, Weekday},
    tz::TimeZone,
};
use serde::Deserialize;

use crate::store::analytics::SLOT;

/// Longest range a report covers.
const MAX_DAYS: i64 = 3 * 366;
/// Longest range hour buckets are offered for (longer would be thousands of points).
const MAX_HOUR_DAYS: i64 = 31;
/// Default range: the last 30 days, today included.
const DEFAULT_DAYS: i64 = 30;

/// The query parameters every analytics route accepts (each route uses what applies).
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
pub struct AnalyticsQuery {
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub bucket_type: Option<String>,
    pub timezone: Option<String>,
    pub agent_ids: Option<String>,
    pub project_ids: Option<String>,
    pub team_ids: Option<String>,
    pub user_ids: Option<String>,
    pub limit: Option<String>,
    pub days: Option<String>,
}

/// A parameter that cannot be used, and why (a 422 naming it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

fn invalid(field: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field,
        message: message.into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketType {
    Hour,
    Day,
    Week,
    Month,
}

impl BucketType {
    pub fn as_str(self) -> &'static str {
        match self {
            BucketType::Hour => "hour",
            BucketType::Day => "day",
            BucketType::Week => "week",
            BucketType::Month => "month",
        }
    }
}

/// One point of a time series: `[start, end)` in unix seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub label: String,
    pub start_rfc3339: String,
    pub start: i64,
    pub end: i64,
}

/// The instants a report covers.
#[derive(Debug, Clone)]
pub struct Window {
    pub timezone: String,
    tz: TimeZone,
    pub start_date: Date,
    pub end_date: Date,
    /// Unix seconds: the start of `start_date` and of the day after `end_date`, in the zone.
    pub start: i64,
    pub end: i64,
    pub bucket_type: Option<BucketType>,
    pub buckets: Vec<Bucket>,
}

fn day_start(date: Date, tz: &TimeZone) -> Result<Zoned, Invalid> {
    date.to_zoned(tz.clone())
        .map_err(|e| invalid("start_date", format!("{date} cannot be placed in that time zone: {e}")))
}

fn parse_date(field: &'static str, value: &str) -> Result<Date, Invalid> {
    let value = value.trim();
    if value.len() != 10 {
        return Err(invalid(
            field,
            format!("{field} must be a date like 2025-01-31, not \"{value}\"."),
        ));
    }
    value.parse::<Date>().map_err(|_| {
        invalid(
            field,
            format!("{field} must be a date like 2025-01-31, not \"{value}\"."),
        )
    })
}

fn rfc3339(z: &Zoned) -> String {
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

impl Window {
    /// The window a request asks for; `now` decides the default dates.
    pub fn parse(q: &AnalyticsQuery, now: Timestamp) -> Result<Self, Invalid> {
        let timezone = q
            .timezone
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .unwrap_or("UTC");
        let tz = TimeZone::get(timezone).map_err(|_| {
            invalid(
                "timezone",
                format!("\"{timezone}\" is not a known IANA time zone (such as Europe/Berlin or Asia/Kolkata)."),
            )
        })?;
        let today = now.to_zoned(tz.clone()).date();
        let end_date = match q.end_date.as_deref().filter(|v| !v.trim().is_empty()) {
            Some(v) => parse_date("end_date", v)?,
            None => today,
        };
        let start_date = match q.start_date.as_deref().filter(|v| !v.trim().is_empty()) {
            Some(v) => parse_date("start_date", v)?,
            None => end_date
                .checked_sub((DEFAULT_DAYS - 1).days())
                .map_err(|e| invalid("end_date", e.to_string()))?,
        };
        if start_date > end_date {
            return Err(invalid("start_date", "start_date is after end_date."));
        }
        let days = days_between(start_date, end_date) + 1;
        if days > MAX_DAYS {
            return Err(invalid(
                "start_date",
                format!("A report covers at most {MAX_DAYS} days; this range has {days}."),
            ));
        }
        let bucket_type = match q.bucket_type.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            None => None,
            Some("hour") => Some(BucketType::Hour),
            Some("day") => Some(BucketType::Day),
            Some("week") => Some(BucketType::Week),
            Some("month") => Some(BucketType::Month),
            Some(other) => {
                return Err(invalid(
                    "bucket_type",
                    format!("bucket_type must be hour, day, week or month, not \"{other}\"."),
                ));
            }
        };
        if bucket_type == Some(BucketType::Hour) && days > MAX_HOUR_DAYS {
            return Err(invalid(
                "bucket_type",
                format!("Hour buckets cover at most {MAX_HOUR_DAYS} days; choose day for {days} days."),
            ));
        }
        let first = day_start(start_date, &tz)?;
        let after = day_start(
            end_date.tomorrow().map_err(|e| invalid("end_date", e.to_string()))?,
            &tz,
        )?;
        let mut window = Self {
            timezone: timezone.to_string(),
            tz,
            start_date,
            end_date,
            start: first.timestamp().as_second(),
            end: after.timestamp().as_second(),
            bucket_type,
            buckets: Vec::new(),
        };
        if let Some(b) = bucket_type {
            window.buckets = window.make_buckets(b, &first, &after)?;
        }
        Ok(window)
    }

    fn make_buckets(&self, kind: BucketType, first: &Zoned, after: &Zoned) -> Result<Vec<Bucket>, Invalid> {
        let err = |e: jiff::Error| invalid("bucket_type", e.to_string());
        let mut out = Vec::new();
        let mut start = first.clone();
        while start.timestamp() < after.timestamp() {
            let (label, next) = match kind {
                // Hours are exact hours: a DST day has 23 or 25 of them.
                BucketType::Hour => (
                    start.strftime("%Y-%m-%dT%H:00").to_string(),
                    start.checked_add(1.hour()).map_err(err)?,
                ),
                BucketType::Day => (
                    start.date().to_string(),
                    day_start(start.date().tomorrow().map_err(err)?, &self.tz)?,
                ),
                BucketType::Week => {
                    let monday = start
                        .date()
                        .checked_sub(i64::from(Weekday::Monday.until(start.date().weekday())).days())
                        .map_err(err)?;
                    (
                        monday.to_string(),
                        day_start(monday.checked_add(7.days()).map_err(err)?, &self.tz)?,
                    )
                }
                BucketType::Month => {
                    let month = start.date().first_of_month();
                    (
                        month.strftime("%Y-%m").to_string(),
                        day_start(month.checked_add(1.month()).map_err(err)?, &self.tz)?,
                    )
                }
            };
            let next = if next.timestamp() > after.timestamp() {
                after.clone()
            } else {
                next
            };
            out.push(Bucket {
                label,
                start_rfc3339: rfc3339(&start),
                start: start.timestamp().as_second(),
                end: next.timestamp().as_second(),
            });
            start = next;
        }
        Ok(out)
    }

    /// The period of the same number of days just before this one (same zone, same buckets kind).
    pub fn previous(&self) -> Result<Self, Invalid> {
        let days = days_between(self.start_date, self.end_date) + 1;
        let err = |e: jiff::Error| invalid("start_date", e.to_string());
        let end = self.start_date.yesterday().map_err(err)?;
        let start = end.checked_sub((days - 1).days()).map_err(err)?;
        let q = AnalyticsQuery {
            start_date: Some(start.to_string()),
            end_date: Some(end.to_string()),
            timezone: Some(self.timezone.clone()),
            ..Default::default()
        };
        Self::parse(&q, Timestamp::UNIX_EPOCH)
    }

    /// First and last slot (inclusive start, exclusive end) the window covers.
    pub fn slots(&self) -> (i64, i64) {
        (self.start, self.end)
    }

    /// Where buckets after the first begin: rollup rows read for this window must not cross them.
    pub fn cuts(&self) -> Vec<i64> {
        self.buckets.iter().skip(1).map(|b| b.start).collect()
    }

    /// Which bucket a slot falls in.
    pub fn bucket_of(&self, slot: i64) -> Option<usize> {
        debug_assert_eq!(slot % SLOT, 0);
        let i = self.buckets.partition_point(|b| b.end <= slot);
        (i < self.buckets.len() && self.buckets[i].start <= slot).then_some(i)
    }

    /// Which bucket a `created_on` timestamp falls in.
    pub fn bucket_of_instant(&self, seconds: i64) -> Option<usize> {
        let i = self.buckets.partition_point(|b| b.end <= seconds);
        (i < self.buckets.len() && self.buckets[i].start <= seconds).then_some(i)
    }

    /// The window's bounds as `created_on` text (for tables keyed by timestamps).
    pub fn timestamps(&self) -> (String, String) {
        let at = |s: i64| {
            crate::time_fmt::format(
                time::OffsetDateTime::from_unix_timestamp(s).unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
            )
        };
        (at(self.start), at(self.end))
    }
}

fn days_between(a: Date, b: Date) -> i64 {
    a.until(b).map(|s| i64::from(s.get_days())).unwrap_or(0)
}

/// A comma-separated id list (`agent_ids=1,2,3`); `None` when absent or empty.
pub fn parse_ids(field: &'static str, value: &Option<String>) -> Result<Option<Vec<i64>>, Invalid> {
    let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let ids: Result<Vec<i64>, _> = value.split(',').map(|p| p.trim().parse::<i64>()).collect();
    match ids {
        Ok(ids) if ids.len() <= 1000 && ids.iter().all(|i| *i > 0) => Ok(Some(ids)),
        Ok(_) => Err(invalid(field, format!("{field} takes at most 1000 positive ids."))),
        Err(_) => Err(invalid(
            field,
            format!("{field} must be comma-separated ids such as 1,2,3, not \"{value}\"."),
        )),
    }
}

/// A positive whole number no larger than `max`, or `default`.
pub fn parse_count(field: &'static str, value: &Option<String>, default: i64, max: i64) -> Result<i64, Invalid> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(invalid(
                field,
                format!("{field} must be a whole number from 1 to {max}, not \"{v}\"."),
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(start: &str, end: &str, tz: &str, bucket: &str) -> Window {
        let q = AnalyticsQuery {
            start_date: Some(start.into()),
            end_date: Some(end.into()),
            timezone: Some(tz.into()),
            bucket_type: Some(bucket.into()),
            ..Default::default()
        };
        Window::parse(&q, Timestamp::UNIX_EPOCH).unwrap()
    }

    #[test]
    fn a_dst_day_has_23_hours_and_its_day_bucket_is_exact() {
        let w = window("2025-03-30", "2025-03-30", "Europe/Berlin", "hour");
        assert_eq!(w.buckets.len(), 23);
        assert_eq!(w.end - w.start, 23 * 3600);
        let w = window("2025-10-26", "2025-10-26", "Europe/Berlin", "day");
        assert_eq!(w.buckets.len(), 1);
        assert_eq!(w.end - w.start, 25 * 3600);
    }

    #[test]
    fn half_hour_zones_start_days_on_the_half_hour() {
        let w = window("2025-01-01", "2025-01-02", "Asia/Kolkata", "day");
        assert_eq!(w.buckets.len(), 2);
        // Midnight in India is 18:30 UTC the day before.
        assert_eq!(w.start % 3600, 1800);
        assert_eq!(w.buckets[0].start_rfc3339, "2025-01-01T00:00:00+05:30");
        assert_eq!(w.start % SLOT, 0);
        assert_eq!(w.bucket_of(w.start), Some(0));
        assert_eq!(w.bucket_of(w.start - SLOT), None);
        assert_eq!(w.bucket_of(w.end - SLOT), Some(1));
    }

    #[test]
    fn weeks_start_on_monday_and_months_are_clipped_to_the_range() {
        let w = window("2025-01-01", "2025-01-31", "UTC", "week");
        assert_eq!(w.buckets[0].label, "2024-12-30");
        assert_eq!(w.buckets[1].label, "2025-01-06");
        assert_eq!(w.buckets.len(), 5);
        let w = window("2025-01-15", "2025-03-10", "UTC", "month");
        let labels: Vec<&str> = w.buckets.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["2025-01", "2025-02", "2025-03"]);
        assert_eq!(w.buckets[0].start, w.start);
        assert_eq!(w.buckets[2].end, w.end);
    }

    #[test]
    fn bad_parameters_are_named() {
        let bad = |q: AnalyticsQuery| Window::parse(&q, Timestamp::UNIX_EPOCH).unwrap_err().field;
        let q = |f: fn(&mut AnalyticsQuery)| {
            let mut q = AnalyticsQuery::default();
            f(&mut q);
            q
        };
        assert_eq!(bad(q(|q| q.timezone = Some("Mars/Olympus".into()))), "timezone");
        assert_eq!(bad(q(|q| q.start_date = Some("2025-13-01".into()))), "start_date");
        assert_eq!(bad(q(|q| q.end_date = Some("yesterday".into()))), "end_date");
        assert_eq!(bad(q(|q| q.bucket_type = Some("year".into()))), "bucket_type");
        assert_eq!(
            bad(q(|q| {
                q.start_date = Some("2025-02-01".into());
                q.end_date = Some("2025-01-01".into());
            })),
            "start_date"
        );
        assert_eq!(
            parse_ids("agent_ids", &Some("1,x".into())).unwrap_err().field,
            "agent_ids"
        );
        assert_eq!(parse_ids("agent_ids", &Some(" 1, 2".into())).unwrap(), Some(vec![1, 2]));
        assert_eq!(
            parse_count("limit", &Some("0".into()), 10, 100).unwrap_err().field,
            "limit"
        );
    }

    #[test]
    fn the_previous_period_has_the_same_length() {
        let w = window("2025-03-01", "2025-03-31", "UTC", "day");
        let p = w.previous().unwrap();
        assert_eq!(p.end_date.to_string(), "2025-02-28");
        assert_eq!(p.start_date.to_string(), "2025-01-29");
    }
}
