//! One clock and one time zone (server only).
//!
//! Every time Vigía shows, and every local time it parses, is in the zone
//! configured with `VIGIA_TIMEZONE` (set once at start with
//! [`set_zone`]); times are stored as UTC milliseconds. Every "now" comes
//! from [`now_ms`], which tests can set ([`TestClock`]) so that session
//! expiry, lockout windows, silent cameras and deadlines are tested
//! without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::RwLock;

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

/// The default zone (DESIGN.md: Guatemala, UTC-6, no daylight saving).
pub const DEFAULT_ZONE: Tz = chrono_tz::America::Guatemala;

static ZONE: RwLock<Tz> = RwLock::new(DEFAULT_ZONE);

/// `i64::MIN`: the system clock. Otherwise the fixed time a test set.
static FIXED_MS: AtomicI64 = AtomicI64::new(i64::MIN);

/// Sets the zone times are shown and parsed in (at start, from the
/// settings). The error names what is wrong with `name`.
pub fn set_zone(name: &str) -> Result<(), String> {
    let tz: Tz = name.parse().map_err(|_| {
        format!("{name:?} is not an IANA time zone name, such as America/Guatemala")
    })?;
    *ZONE.write().unwrap_or_else(|e| e.into_inner()) = tz;
    Ok(())
}

/// The configured zone.
pub fn zone() -> Tz {
    *ZONE.read().unwrap_or_else(|e| e.into_inner())
}

/// Now, in milliseconds since the Unix epoch (UTC).
pub fn now_ms() -> i64 {
    match FIXED_MS.load(Ordering::Relaxed) {
        i64::MIN => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0),
        fixed => fixed,
    }
}

/// Today's date in the configured zone.
pub fn today() -> NaiveDate {
    date_of(now_ms())
}

/// The date an instant falls on in the configured zone.
pub fn date_of(ms: i64) -> NaiveDate {
    zone()
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.date_naive())
        .unwrap_or_default()
}

/// `1732190400000` → `2024-11-21 06:00` in the configured zone.
pub fn local_minute(ms: i64) -> String {
    format(ms, "%Y-%m-%d %H:%M")
}

/// `1732190400000` → `2024-11-21 06:00:00` in the configured zone.
pub fn local_second(ms: i64) -> String {
    format(ms, "%Y-%m-%d %H:%M:%S")
}

/// `1732190400000` → `2024-11-21T06:00` in the configured zone (what a
/// date-time field and the pages' `from`/`to` parameters take).
pub fn local_iso_minute(ms: i64) -> String {
    format(ms, "%Y-%m-%dT%H:%M")
}

/// `1732190400000` → `06:00` in the configured zone.
pub fn local_clock(ms: i64) -> String {
    format(ms, "%H:%M")
}

/// The zone's short name at an instant, as a page labels its times
/// (`CST` for Guatemala, or the offset, `-06`).
pub fn zone_label(ms: i64) -> String {
    format(ms, "%Z")
}

/// `2026-11-02 14:05 CST`: the minute and the zone's abbreviation.
pub fn local_minute_zoned(ms: i64) -> String {
    format!("{} {}", local_minute(ms), zone_label(ms))
}

/// `1732190400000` → `2024-11-21T12:00:00Z`: the instant in RFC 3339, UTC,
/// to the second (or to the millisecond when it has one), for addresses
/// that must name it exactly.
pub fn rfc3339_utc(ms: i64) -> String {
    let format = if ms % 1000 == 0 {
        chrono::SecondsFormat::Secs
    } else {
        chrono::SecondsFormat::Millis
    };
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(format, true))
        .unwrap_or_default()
}

fn format(ms: i64, pattern: &str) -> String {
    zone()
        .timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format(pattern).to_string())
        .unwrap_or_default()
}

/// The first millisecond of `date` in the configured zone.
pub fn day_start_ms(date: NaiveDate) -> Option<i64> {
    let midnight = date.and_hms_opt(0, 0, 0)?;
    zone()
        .from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.timestamp_millis())
}

/// An instant in ISO 8601, as milliseconds since the epoch (UTC). With an
/// offset (`2026-11-21T06:00:00-06:00`, `…Z`) it means what it says; without
/// one (`2026-11-21T06:00`, what a browser's date-time field sends) it is
/// the time in the configured zone.
pub fn parse_instant(s: &str) -> Result<i64, crate::problem::Problem> {
    use crate::problem::Problem;
    let s = s.trim();
    if s.is_empty() {
        return Err(Problem::Required);
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.timestamp_millis());
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(s, format) {
            // A local time skipped by a daylight-saving change names no
            // instant; one repeated by it is taken at its first occurrence.
            return zone()
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.timestamp_millis())
                .ok_or_else(|| Problem::NoSuchLocalTime {
                    given: s.to_string(),
                    zone: zone().name().to_string(),
                });
        }
    }
    Err(Problem::NotAnInstant {
        given: s.to_string(),
    })
}

/// A clock that tests set and move, instead of sleeping. While one is
/// alive, [`now_ms`] answers its time, in this whole process (nextest runs
/// each test in a process of its own); dropping it returns to the system
/// clock. Only in test builds (`test-support`): a binary that serves
/// cannot stop its own clock.
#[cfg(any(test, feature = "test-support"))]
pub struct TestClock(());

#[cfg(any(test, feature = "test-support"))]
impl TestClock {
    /// Stops the clock at `ms`.
    pub fn at(ms: i64) -> TestClock {
        FIXED_MS.store(ms, Ordering::Relaxed);
        TestClock(())
    }

    /// Stops the clock at the system's now.
    pub fn now() -> TestClock {
        let now = now_ms();
        TestClock::at(now)
    }

    /// Moves the clock forward (or back, with a negative `ms`).
    pub fn advance(&self, ms: i64) {
        FIXED_MS.fetch_add(ms, Ordering::Relaxed);
    }

    pub fn now_ms(&self) -> i64 {
        now_ms()
    }
}

#[cfg(any(test, feature = "test-support"))]
impl Drop for TestClock {
    fn drop(&mut self) {
        FIXED_MS.store(i64::MIN, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_follow_the_configured_zone() {
        let t = parse_instant("2026-11-21T06:00:00Z").unwrap();
        assert_eq!(local_minute(t), "2026-11-21 00:00");
        assert_eq!(parse_instant("2026-11-21T00:00").unwrap(), t);
        set_zone("Europe/Madrid").unwrap();
        assert_eq!(local_minute(t), "2026-11-21 07:00");
        assert_eq!(zone_label(t), "CET");
        // Madrid skips 02:00-03:00 on 2026-03-29.
        assert!(parse_instant("2026-03-29T02:30").is_err());
        set_zone("America/Guatemala").unwrap();
        assert_eq!(zone_label(t), "CST");
        assert!(set_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn a_test_clock_stands_still_and_moves_when_told() {
        let clock = TestClock::at(1_000_000);
        assert_eq!(now_ms(), 1_000_000);
        clock.advance(30 * 60_000);
        assert_eq!(now_ms(), 1_000_000 + 30 * 60_000);
        drop(clock);
        assert!(now_ms() > 1_700_000_000_000);
    }
}
