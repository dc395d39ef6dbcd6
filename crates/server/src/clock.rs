//! The server's clock: every "now" the server reads (timestamps it writes, token lifetimes,
//! "today" in reports, the demo history) comes from [`now`], so tests and demos can run the
//! whole server on another day. Real time by default; `EJENTO_CLOCK_START` (or
//! `Config::clock_start`) starts it at a given instant, from which it runs on at real speed.
//!
//! The clock is one per process (the stores write timestamps from free functions), so two
//! servers in one process share it: tests that move it run one server at a time (the browser
//! tests, which also check that it moves; unit tests here never move it).

use std::sync::atomic::{AtomicI64, Ordering};

use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};

/// How far the clock is from real time, in milliseconds.
static OFFSET_MS: AtomicI64 = AtomicI64::new(0);

/// The current instant, in UTC.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc() + Duration::milliseconds(OFFSET_MS.load(Ordering::Relaxed))
}

/// Seconds since the Unix epoch, by this clock.
pub fn unix_now() -> i64 {
    now().unix_timestamp()
}

/// Runs the clock from `start` on (`None`: real time).
pub fn start_at(start: Option<OffsetDateTime>) {
    let offset = start.map_or(0, |t| (t - OffsetDateTime::now_utc()).whole_milliseconds() as i64);
    OFFSET_MS.store(offset, Ordering::Relaxed);
}

/// Whether the clock runs away from real time (the dashboard is then told to follow it).
pub fn is_moved() -> bool {
    OFFSET_MS.load(Ordering::Relaxed) != 0
}

/// Reads a `clock_start` setting: an RFC 3339 instant such as `2024-02-29T12:00:00Z`.
pub fn parse_start(text: &str) -> anyhow::Result<OffsetDateTime> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|e| {
        anyhow::anyhow!("EJENTO_CLOCK_START must be an instant like 2024-02-29T12:00:00Z, not {text:?}: {e}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_instants_and_says_what_it_wants() {
        assert_eq!(
            parse_start("2024-02-29T12:00:00Z").unwrap(),
            time::macros::datetime!(2024-02-29 12:00 UTC)
        );
        let err = parse_start("29/02/2024").unwrap_err().to_string();
        assert!(err.contains("2024-02-29T12:00:00Z"), "{err}");
    }
}
