//! The contract SLA report for the supervision team: each camera's uptime
//! in a month — the share of its vehicle's shift time in which it recorded
//! footage and was online (the coverage arithmetic) — rolled up per
//! vehicle, region and fleet, against the contract's target.

use crate::error::{AppError, ErrorMessage};
use crate::i18n::*;
#[cfg(feature = "ssr")]
use crate::policy::act;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

mod api;
pub use api::*;

#[cfg(feature = "ssr")]
pub mod store;

mod views;
pub use views::*;

/// One camera's (or vehicle's, or region's) month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UptimeLine {
    /// `PNC-0451 cabin`, `PNC-0451`, or a region's code.
    pub key: String,
    pub label: String,
    pub expected_ms: i64,
    pub covered_ms: i64,
    pub percent: f64,
}

/// The month's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaView {
    /// `2026-11`.
    pub month: String,
    /// The months one may pick, newest first.
    pub months: Vec<String>,
    /// When it was computed, in the configured zone.
    pub at_local: String,
    pub target: f64,
    pub fleet: UptimeLine,
    pub regions: Vec<UptimeLine>,
    pub vehicles: Vec<UptimeLine>,
    /// Cameras below the target, worst first.
    pub below: Vec<UptimeLine>,
    /// How many cameras are below the target (the page's answer carries
    /// the worst [`BELOW_SHOWN`] of them; the CSV every one).
    pub below_total: i64,
    pub cameras: i64,
}

/// The cameras below the target that the page lists (the worst).
pub const BELOW_SHOWN: usize = 200;

/// Adds up `(key, label, expected, covered)` rows by key, in key order.
pub fn roll_up(rows: impl IntoIterator<Item = (String, String, i64, i64)>) -> Vec<UptimeLine> {
    let mut by: std::collections::BTreeMap<String, (String, i64, i64)> = Default::default();
    for (key, label, expected, covered) in rows {
        let e = by.entry(key).or_insert((label, 0, 0));
        e.1 += expected;
        e.2 += covered;
    }
    by.into_iter()
        .map(|(key, (label, expected_ms, covered_ms))| UptimeLine {
            key,
            label,
            expected_ms,
            covered_ms,
            percent: super::coverage::percent(covered_ms, expected_ms),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_adds_time_before_dividing() {
        // 10 h at 100 % and 1 h at 0 %: 90.9 %, not the mean of 100 and 0.
        let lines = roll_up([
            (
                "R1".to_string(),
                "Norte".to_string(),
                10 * 3_600_000,
                10 * 3_600_000,
            ),
            ("R1".to_string(), "Norte".to_string(), 3_600_000, 0),
            ("R2".to_string(), "Sur".to_string(), 0, 0),
        ]);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].percent, 90.9);
        assert_eq!(lines[0].expected_ms, 11 * 3_600_000);
        // Nothing expected: nothing missed.
        assert_eq!(lines[1].percent, 100.0);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn months_are_guatemalan_calendar_months() {
        let nov = store::month_span("2026-11").unwrap();
        // 2026-11-01T00:00 in Guatemala is 06:00 UTC.
        assert_eq!(nov.from, 1_793_512_800_000);
        assert_eq!(nov.to - nov.from, 30 * 86_400_000);
        assert_eq!(
            store::month_span("2026-12").unwrap().to - store::month_span("2026-12").unwrap().from,
            31 * 86_400_000
        );
        assert!(store::month_span("2026-13").is_err());
        assert!(store::month_span("noviembre")
            .unwrap_err()
            .to_string()
            .starts_with("month:"));
        assert_eq!(
            store::recent_months(1_795_000_000_000),
            ["2026-11", "2026-10", "2026-09"]
        );
    }
}
