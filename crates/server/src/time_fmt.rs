//! Timestamps as the API writes them: ISO-8601 UTC with microseconds.

use time::{Duration, OffsetDateTime, format_description::FormatItem, macros::format_description};

const FORMAT: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Formats a UTC instant the way every `created_on` is written (fixed width, so text order is time order).
pub fn format(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(FORMAT)
        .expect("a UTC instant always formats")
}

/// Now, by the server's clock.
pub fn now() -> String {
    format(crate::clock::now())
}

/// The timestamp `d` from now (negative for the past).
pub fn from_now(d: Duration) -> String {
    format(crate::clock::now() + d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_microseconds_and_sort_as_text() {
        let a = format(time::macros::datetime!(2025-01-08 22:00:19.910507 UTC));
        assert_eq!(a, "2025-01-08T22:00:19.910507Z");
        let b = format(time::macros::datetime!(2025-01-08 22:00:20 UTC));
        assert!(a < b);
    }
}
