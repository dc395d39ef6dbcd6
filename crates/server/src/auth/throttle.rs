//! The sign-in throttle: whether an attempt may go ahead, from the failures counted in the
//! store. Sign-in and passwordless routes call it; the rule lives only here.

use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};

use crate::{
    config::Config,
    error::{Error, Result},
    store::LoginFailures,
};

/// One rule per attacker:
/// - one address guessing one account: after `EJENTO_LOGIN_MAX_FAILURES_PER_ACCOUNT` (5)
///   failures it waits 1 minute after its latest one, then 2, 4, 8, at most 15 — an owner who
///   mistyped waits a minute, a guesser gets a handful of tries an hour, and the owner at any
///   other address is not held at all;
/// - one address trying many accounts: `EJENTO_LOGIN_MAX_FAILURES_PER_ADDRESS` (30) attempts
///   per window (15 minutes), sign-in links requested included;
/// - many addresses guessing one account: `EJENTO_LOGIN_MAX_FAILURES_ACCOUNT_WIDE` (50) per
///   window pause password sign-in to it for everyone; e-mail links still work.
pub fn check(config: &Config, failures: &LoginFailures, now: OffsetDateTime) -> Result<()> {
    let window = address_limit(config, failures)?;
    if failures.by_account >= config.login_max_failures_account_wide {
        return Err(Error::TooManyRequests(format!(
            "Password sign-in to this account is paused for up to {window} minutes after many failed attempts \
             from several places. Sign in with an e-mail link instead."
        )));
    }
    if let Some(wait) = slow_down(
        failures.by_pair,
        failures.last_by_pair.as_deref(),
        config.login_max_failures_per_account,
        now,
    ) {
        let wait = match wait.whole_seconds() {
            s if s < 60 => format!("{s} seconds"),
            s => format!("{} minutes", (s + 59) / 60),
        };
        return Err(Error::TooManyRequests(format!(
            "Too many wrong passwords for this account. Try again in {wait}, or sign in with an e-mail link."
        )));
    }
    Ok(())
}

/// Whether another sign-in link may be mailed, given the links already requested (counted
/// under `link:<address>` like failures): each one mails someone and opens a code to guess.
pub fn check_link_request(config: &Config, sent: &LoginFailures) -> Result<()> {
    let window = address_limit(config, sent)?;
    if sent.by_account >= config.passwordless_max_per_account {
        return Err(Error::TooManyRequests(format!(
            "{} sign-in links were already sent to this address in the last {window} minutes. Use the latest one, \
             or wait.",
            sent.by_account
        )));
    }
    Ok(())
}

/// The limit per address, shared by failed sign-ins and requested links; the window in minutes.
fn address_limit(config: &Config, counted: &LoginFailures) -> Result<i64> {
    let window = (config.login_window_secs + 59) / 60;
    if counted.by_address >= config.login_max_failures_per_address {
        return Err(Error::TooManyRequests(format!(
            "Too many sign-in attempts from your network. Wait {window} minutes."
        )));
    }
    Ok(window)
}

/// How much longer an address that failed `failures` times (the latest at `last`) must wait,
/// when `free` failures are allowed without waiting.
fn slow_down(failures: i64, last: Option<&str>, free: i64, now: OffsetDateTime) -> Option<Duration> {
    if failures < free {
        return None;
    }
    let steps = (failures - free).min(4) as u32;
    let delay = Duration::minutes(1 << steps).min(Duration::minutes(15));
    let last = OffsetDateTime::parse(last?, &Rfc3339).ok()?;
    let wait = last + delay - now;
    (wait > Duration::ZERO).then_some(wait)
}

#[cfg(test)]
mod tests {
    use time::{Duration, macros::datetime};

    use super::slow_down;

    #[test]
    fn a_guesser_waits_longer_after_each_failure_and_never_more_than_15_minutes() {
        let last = "2026-12-05T10:00:00.000000Z";
        let at = |minutes: i64| datetime!(2026-12-05 10:00 UTC) + Duration::minutes(minutes);
        assert_eq!(slow_down(4, Some(last), 5, at(0)), None, "four mistakes cost nothing");
        assert_eq!(slow_down(5, Some(last), 5, at(0)), Some(Duration::minutes(1)));
        assert_eq!(
            slow_down(5, Some(last), 5, at(1)),
            None,
            "a minute later the owner may try again"
        );
        assert_eq!(slow_down(7, Some(last), 5, at(1)), Some(Duration::minutes(3)));
        assert_eq!(slow_down(40, Some(last), 5, at(0)), Some(Duration::minutes(15)));
        assert_eq!(slow_down(40, Some(last), 5, at(15)), None);
    }
}
