use std::collections::HashMap;

use chrono::{Datelike, TimeZone};

use super::{roll_up, SlaView, UptimeLine};
use crate::error::{AppError, Field, Problem};
use crate::fleet::coverage::{store::shift_coverage, Span, Whose};
use crate::policy::{act, Permit};
use crate::store::Db;

/// `[first ms, next month's first ms)` of a month in the configured zone.
pub fn month_span(month: &str) -> Result<Span, AppError> {
    let bad = || {
        AppError::validation(
            Field::Month,
            Problem::NotAMonth {
                given: month.to_string(),
            },
        )
    };
    let (y, m) = month.split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(1..=12).contains(&m) || !(2000..=2100).contains(&y) {
        return Err(bad());
    }
    let tz = crate::time::zone();
    let start = |y: i32, m: u32| {
        tz.with_ymd_and_hms(y, m, 1, 0, 0, 0)
            .single()
            .map(|t| t.timestamp_millis())
            .ok_or_else(bad)
    };
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    Ok(Span {
        from: start(y, m)?,
        to: start(ny, nm)?,
    })
}

/// This month and the two before it, newest first.
pub fn recent_months(now_ms: i64) -> Vec<String> {
    let now = crate::time::zone()
        .timestamp_millis_opt(now_ms)
        .single()
        .map(|t| (t.year(), t.month()))
        .unwrap_or((2026, 1));
    let (mut y, mut m) = now;
    let mut out = Vec::new();
    for _ in 0..3 {
        out.push(format!("{y:04}-{m:02}"));
        if m == 1 {
            y -= 1;
            m = 12;
        } else {
            m -= 1;
        }
    }
    out
}

/// The last SLA reports computed, by month (registered at start-up).
pub type SlaReports = crate::store::recent::Recent<String, SlaView>;

/// An SLA-report cache for the start-up: a report stays right for half a
/// minute with nothing written (this month's end moves with the clock).
pub fn sla_reports() -> SlaReports {
    crate::store::recent::Recent::new(
        crate::store::recent::FLEET_COUNTERS,
        std::time::Duration::from_secs(30),
    )
}

/// The report of `month` (`YYYY-MM`; this month when empty): the kept one
/// if nothing under it changed since it was computed
/// ([`crate::store::recent`]).
pub async fn report(
    db: &Db,
    caches: &crate::state::Caches,
    actor: &Permit<act::ReadSlaReports>,
    month: Option<&str>,
    silent_ms: i64,
    target: f64,
) -> Result<SlaView, AppError> {
    let now = crate::time::now_ms();
    let months = recent_months(now);
    let month = month
        .filter(|m| !m.is_empty())
        .unwrap_or(&months[0])
        .to_string();
    month_span(&month)?;
    let kept = caches
        .get::<std::sync::Arc<SlaReports>>()?
        .get(db, month.clone(), || {
            compute(db, caches, actor, month.clone(), silent_ms, target)
        })
        .await?;
    Ok((*kept).clone())
}

/// The report of `month`, summed now.
async fn compute(
    db: &Db,
    caches: &crate::state::Caches,
    actor: &Permit<act::ReadSlaReports>,
    month: String,
    silent_ms: i64,
    target: f64,
) -> Result<SlaView, AppError> {
    let now = crate::time::now_ms();
    let months = recent_months(now);
    let span = month_span(&month)?;
    let window = Span {
        from: span.from,
        to: span.to.min(now - silent_ms),
    };
    let shifts = if window.is_empty() {
        Vec::new()
    } else {
        shift_coverage(db, actor, Whose::Fleet, window).await?
    };
    let board = crate::fleet::board::store::board(db, caches, actor, silent_ms).await?;
    let (regions, vehicles) = (&board.regions, &board.vehicles);
    let region_of: HashMap<&str, &str> = vehicles
        .iter()
        .map(|v| (v.plate.as_str(), v.region.as_str()))
        .collect();
    let region_name: HashMap<&str, &str> = regions
        .iter()
        .map(|(c, n)| (c.as_str(), n.as_str()))
        .collect();
    // A car's shift counts once, however many officers rode in it.
    let mut seen = std::collections::HashSet::new();
    let mut cams = Vec::new();
    for s in &shifts {
        if !seen.insert((s.plate.clone(), s.shift)) {
            continue;
        }
        for c in &s.cameras {
            cams.push((
                s.plate.clone(),
                c.placement.clone(),
                c.expected_ms,
                c.covered_ms,
            ));
        }
    }
    let cameras = roll_up(
        cams.iter()
            .map(|(p, pl, e, c)| (format!("{p} {pl}"), p.clone(), *e, *c)),
    );
    let vehicle_lines = roll_up(
        cams.iter()
            .map(|(p, _, e, c)| (p.clone(), String::new(), *e, *c)),
    );
    let region_lines = roll_up(cams.iter().map(|(p, _, e, c)| {
        let code = region_of.get(p.as_str()).copied().unwrap_or("");
        (
            code.to_string(),
            region_name.get(code).copied().unwrap_or("").to_string(),
            *e,
            *c,
        )
    }));
    let fleet = roll_up(
        cams.iter()
            .map(|(_, _, e, c)| (String::new(), String::new(), *e, *c)),
    )
    .pop()
    .unwrap_or(UptimeLine {
        key: String::new(),
        label: String::new(),
        expected_ms: 0,
        covered_ms: 0,
        percent: 100.0,
    });
    let mut below: Vec<UptimeLine> = cameras
        .iter()
        .filter(|c| c.percent < target)
        .cloned()
        .collect();
    below.sort_by(|a, b| a.percent.total_cmp(&b.percent).then(a.key.cmp(&b.key)));
    Ok(SlaView {
        month,
        months,
        at_local: crate::time::local_minute_zoned(now),
        target,
        fleet,
        regions: region_lines,
        vehicles: vehicle_lines,
        below_total: below.len() as i64,
        below,
        cameras: cameras.len() as i64,
    })
}

/// The report as CSV: every camera, vehicle and region line, each field
/// through the formula guard ([`crate::format::csv_field`]).
pub fn to_csv(r: &SlaView) -> String {
    let mut out = crate::format::csv_line(&[
        "month",
        "level",
        "key",
        "name",
        "expected_hours",
        "covered_hours",
        "uptime_percent",
        "target_percent",
        "below_target",
    ]);
    let mut line = |level: &str, l: &UptimeLine| {
        out.push_str(&crate::format::csv_line(&[
            r.month.clone(),
            level.to_string(),
            l.key.clone(),
            l.label.clone(),
            format!("{:.2}", l.expected_ms as f64 / 3_600_000.0),
            format!("{:.2}", l.covered_ms as f64 / 3_600_000.0),
            format!("{:.1}", l.percent),
            format!("{:.1}", r.target),
            if l.percent < r.target { "yes" } else { "no" }.to_string(),
        ]));
    };
    line("fleet", &r.fleet);
    for l in &r.regions {
        line("region", l);
    }
    for l in &r.vehicles {
        line("vehicle", l);
    }
    for l in &r.below {
        line("camera_below_target", l);
    }
    out
}
