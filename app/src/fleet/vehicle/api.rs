//! The server functions: each asks the policy first (`crate::rpc`).

use super::*;

#[cfg(feature = "ssr")]
fn parse_days(days: Option<i64>) -> Result<i64, AppError> {
    match days.unwrap_or(7) {
        d @ (7 | 30) => Ok(d),
        d => Err(AppError::validation(
            Field::Days,
            Problem::not_one_of(&d.to_string(), &["7", "30"]),
        )),
    }
}

/// The last `days` days, up to the silent time ago: footage still on its
/// way (a segment arrives when it ends) is not yet a gap.
#[cfg(feature = "ssr")]
fn window(days: i64, silent_ms: i64) -> crate::fleet::coverage::Span {
    let now = crate::time::now_ms();
    crate::fleet::coverage::Span {
        from: now - days * 86_400_000,
        to: now - silent_ms,
    }
}

/// A vehicle: its cameras now and its shifts' footage coverage over the
/// last 7 or 30 days. The crew's names only for readers of officer files.
#[server(prefix = "/rpc", endpoint = "get_vehicle")]
pub async fn get_vehicle(plate: String, days: Option<i64>) -> Result<VehicleView, AppError> {
    use crate::fleet::coverage::{self, percent, store::shift_coverage, Whose};
    use crate::time::local_minute as local_time;
    crate::rpc::call(act::ReadFleet, |cx| async move {
        let days = parse_days(days)?;
        let plate = plate.trim().to_uppercase();
        let now = crate::time::now_ms();
        let vehicle = crate::fleet::board::store::read_vehicles(
            &cx.state.db,
            &cx.permit,
            Some(&plate),
            now,
            cx.state.camera_silent_ms,
            i64::from(cx.state.tracking.silent_minutes) * 60_000,
        )
        .await?
        .pop()
        .ok_or_else(|| {
            AppError::NotFound(Problem::NoVehicle {
                plate: plate.to_string(),
            })
        })?;
        let shifts = shift_coverage(
            &cx.state.db,
            &cx.permit,
            Whose::Vehicle(&plate),
            window(days, cx.state.camera_silent_ms),
        )
        .await?;
        let names = cx.permit.sees_crews();
        // The driver's and the crew's assignments are one shift of the car.
        let mut rows: Vec<VehicleShift> = Vec::new();
        let mut last: Option<coverage::Span> = None;
        let (mut expected, mut covered) = (0, 0);
        for s in &shifts {
            let member = (s.role, s.badge.clone(), s.officer.clone());
            if last == Some(s.shift) {
                if names {
                    if let Some(row) = rows.last_mut() {
                        row.crew.push(member);
                    }
                }
                continue;
            }
            last = Some(s.shift);
            expected += s.expected_ms();
            covered += s.covered_ms();
            let span = |g: &coverage::Span| {
                format!("{}–{}", &local_time(g.from)[11..], &local_time(g.to)[11..])
            };
            rows.push(VehicleShift {
                from: local_time(s.shift.from),
                to: local_time(s.shift.to),
                crew: if names { vec![member] } else { Vec::new() },
                cameras: s
                    .cameras
                    .iter()
                    .map(|c| CameraShift {
                        placement: c.placement.clone(),
                        percent: percent(c.covered_ms, c.expected_ms),
                        gaps: c.gaps.iter().map(span).collect(),
                    })
                    .collect(),
            });
        }
        Ok(VehicleView {
            plate: vehicle.plate,
            station: vehicle.station,
            cabin: vehicle.cabin,
            forward: vehicle.forward,
            on_shift: vehicle.on_shift,
            days,
            percent: percent(covered, expected),
            shifts: rows,
            at: now,
        })
    })
    .await
}

/// An officer's footage coverage during their shifts, last 7 or 30 days.
#[server(prefix = "/rpc", endpoint = "officer_coverage")]
pub async fn officer_coverage(
    badge_number: String,
    days: Option<i64>,
) -> Result<CoverageLine, AppError> {
    use crate::fleet::coverage::{percent, store::shift_coverage, Whose};
    crate::rpc::call(act::ReadOfficers, |cx| async move {
        let days = parse_days(days)?;
        let badge = badge_number.trim().to_string();
        let shifts = shift_coverage(
            &cx.state.db,
            &cx.permit,
            Whose::Officer(&badge),
            window(days, cx.state.camera_silent_ms),
        )
        .await?;
        let expected: i64 = shifts.iter().map(|s| s.expected_ms()).sum();
        let covered: i64 = shifts.iter().map(|s| s.covered_ms()).sum();
        Ok(CoverageLine {
            label: shifts
                .first()
                .map(|s| s.officer.clone())
                .unwrap_or_default(),
            key: badge,
            shifts: shifts.len() as i64,
            gap_ms: expected - covered,
            percent: percent(covered, expected),
        })
    })
    .await
}

/// The vehicles (and, for readers of officer files, the officers) with the
/// most footage time missing during shifts, last 7 or 30 days. Computed
/// once per change of the fleet's records and shared by its readers
/// ([`crate::store::recent`]); the officers are taken out for readers
/// without officer files.
#[server(prefix = "/rpc", endpoint = "coverage_report")]
pub async fn coverage_report(days: Option<i64>) -> Result<CoverageReportView, AppError> {
    crate::rpc::call(act::ReadFleet, |cx| async move {
        let days = parse_days(days)?;
        let (db, silent_ms) = (&cx.state.db, cx.state.camera_silent_ms);
        let report = cx
            .state
            .caches
            .get::<std::sync::Arc<CoverageReports>>()?
            .get(db, days, || {
                compute_coverage_report(db, &cx.permit, days, silent_ms)
            })
            .await?;
        let mut view = (*report).clone();
        if !cx.permit.sees_crews() {
            view.officers = None;
        }
        Ok(view)
    })
    .await
}

/// The last coverage reports computed, by days (registered at start-up).
#[cfg(feature = "ssr")]
pub type CoverageReports = crate::store::recent::Recent<i64, CoverageReportView>;

/// A coverage-report cache for the start-up: a report stays right for
/// half a minute with nothing written (its window moves with the clock).
#[cfg(feature = "ssr")]
pub fn coverage_reports() -> CoverageReports {
    crate::store::recent::Recent::new(
        crate::store::recent::FLEET_COUNTERS,
        std::time::Duration::from_secs(30),
    )
}

/// The whole fleet's coverage report, the officers included.
#[cfg(feature = "ssr")]
async fn compute_coverage_report(
    db: &crate::store::Db,
    reader: &crate::policy::Permit<act::ReadFleet>,
    days: i64,
    silent_ms: i64,
) -> Result<CoverageReportView, AppError> {
    use std::collections::HashMap;

    use crate::fleet::coverage::{percent, store::shift_coverage, Whose};
    let at = crate::time::now_ms();
    let shifts = shift_coverage(db, reader, Whose::Fleet, window(days, silent_ms)).await?;
    // (shifts, expected, covered) per key; a car's shift counts once
    // however many officers rode in it.
    let mut by_vehicle: HashMap<String, (i64, i64, i64)> = HashMap::new();
    let mut by_officer: HashMap<(String, String), (i64, i64, i64)> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for s in &shifts {
        if seen.insert((s.plate.clone(), s.shift)) {
            let v = by_vehicle.entry(s.plate.clone()).or_default();
            *v = (v.0 + 1, v.1 + s.expected_ms(), v.2 + s.covered_ms());
        }
        let o = by_officer
            .entry((s.badge.clone(), s.officer.clone()))
            .or_default();
        *o = (o.0 + 1, o.1 + s.expected_ms(), o.2 + s.covered_ms());
    }
    let worst = |lines: Vec<CoverageLine>| {
        let mut lines = lines;
        lines.sort_by(|a, b| b.gap_ms.cmp(&a.gap_ms).then(a.key.cmp(&b.key)));
        lines.truncate(REPORT_ROWS);
        lines
    };
    let line = |key: String, label: String, (n, expected, covered): (i64, i64, i64)| CoverageLine {
        key,
        label,
        shifts: n,
        gap_ms: expected - covered,
        percent: percent(covered, expected),
    };
    let vehicles = worst(
        by_vehicle
            .into_iter()
            .map(|(plate, t)| line(plate, String::new(), t))
            .collect(),
    );
    let officers = Some(worst(
        by_officer
            .into_iter()
            .map(|((badge, name), t)| line(badge, name, t))
            .collect(),
    ));
    Ok(CoverageReportView {
        days,
        at_local: crate::time::local_minute_zoned(at),
        vehicles,
        officers,
    })
}
