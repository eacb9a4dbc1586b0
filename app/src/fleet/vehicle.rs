//! Footage coverage as people read it: a vehicle's page (its cameras and
//! its shifts' coverage), the line on an officer's file, and the list of
//! the vehicles and officers with the most time uncovered.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::board::CameraHealth;
use crate::codes::AssignmentRole;
use crate::error::{AppError, ErrorMessage};
#[cfg(feature = "ssr")]
use crate::error::{Field, Problem};
use crate::i18n::*;
#[cfg(feature = "ssr")]
use crate::policy::act;

/// One camera's footage in one shift, for the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CameraShift {
    pub placement: String,
    pub percent: f64,
    /// `14:05–14:40` in Guatemala time.
    pub gaps: Vec<String>,
}

/// One shift of a vehicle: its crew and its cameras' coverage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VehicleShift {
    pub from: String,
    pub to: String,
    /// `(role, badge, name)`; empty for readers without officer files.
    pub crew: Vec<(AssignmentRole, String, String)>,
    pub cameras: Vec<CameraShift>,
}

/// A vehicle's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VehicleView {
    pub plate: String,
    pub station: String,
    pub cabin: Option<CameraHealth>,
    pub forward: Option<CameraHealth>,
    /// An officer is assigned to it now.
    pub on_shift: bool,
    pub days: i64,
    pub percent: f64,
    pub shifts: Vec<VehicleShift>,
    pub at: i64,
}

/// Footage coverage over some assignments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageLine {
    /// A plate, or a badge number.
    pub key: String,
    /// Station, or the officer's name.
    pub label: String,
    pub shifts: i64,
    pub gap_ms: i64,
    pub percent: f64,
}

/// The worst of the fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageReportView {
    pub days: i64,
    pub vehicles: Vec<CoverageLine>,
    /// `None` for readers without officer files (monitors).
    pub officers: Option<Vec<CoverageLine>>,
}

pub const REPORT_ROWS: usize = 20;

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
fn window(days: i64, silent_ms: i64) -> super::coverage::Span {
    let now = crate::time::now_ms();
    super::coverage::Span {
        from: now - days * 86_400_000,
        to: now - silent_ms,
    }
}

/// A vehicle: its cameras now and its shifts' footage coverage over the
/// last 7 or 30 days. The crew's names only for readers of officer files.
#[server(prefix = "/rpc", endpoint = "get_vehicle")]
pub async fn get_vehicle(plate: String, days: Option<i64>) -> Result<VehicleView, AppError> {
    use super::coverage::{self, percent, store::shift_coverage, Whose};
    use crate::time::local_minute as local_time;
    crate::rpc::call(act::ReadFleet, |cx| async move {
        let days = parse_days(days)?;
        let plate = plate.trim().to_uppercase();
        let now = crate::time::now_ms();
        let vehicle = super::board::store::read_vehicles(
            &cx.state.db,
            &cx.permit,
            Some(&plate),
            now,
            cx.state.camera_silent_ms,
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
    use super::coverage::{percent, store::shift_coverage, Whose};
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
/// most footage time missing during shifts, last 7 or 30 days.
#[server(prefix = "/rpc", endpoint = "coverage_report")]
pub async fn coverage_report(days: Option<i64>) -> Result<CoverageReportView, AppError> {
    use std::collections::HashMap;

    use super::coverage::{percent, store::shift_coverage, Whose};
    crate::rpc::call(act::ReadFleet, |cx| async move {
        let days = parse_days(days)?;
        let shifts = shift_coverage(
            &cx.state.db,
            &cx.permit,
            Whose::Fleet,
            window(days, cx.state.camera_silent_ms),
        )
        .await?;
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
        let line =
            |key: String, label: String, (n, expected, covered): (i64, i64, i64)| CoverageLine {
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
        let officers = cx.permit.sees_crews().then(|| {
            worst(
                by_officer
                    .into_iter()
                    .map(|((badge, name), t)| line(badge, name, t))
                    .collect(),
            )
        });
        Ok(CoverageReportView {
            days,
            vehicles,
            officers,
        })
    })
    .await
}

/// `3 h 05 min`.
pub fn duration(ms: i64) -> String {
    let minutes = ms / 60_000;
    if minutes >= 60 {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} min")
    }
}

fn days_links(base: String, current: i64) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="days-switch">
            {[7i64, 30].into_iter().map(|d| {
                let label = if d == 7 { t_string!(i18n, coverage_7_days) } else { t_string!(i18n, coverage_30_days) };
                if d == current {
                    view! { <strong aria-current="true">{label}</strong> }.into_any()
                } else {
                    view! { <a href=format!("{base}?days={d}")>{label}</a> }.into_any()
                }
            }).collect_view()}
        </p>
    }
}

/// `/fleet/vehicles/:plate`.
#[component]
pub fn VehiclePage() -> impl IntoView {
    use leptos_router::hooks::{use_params_map, use_query_map};

    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let vehicle = Resource::new(
        move || {
            (
                params.with(|p| p.get("plate").unwrap_or_default()),
                query.with(|q| q.get("days").and_then(|d| d.parse().ok())),
            )
        },
        |(plate, days)| get_vehicle(plate, days),
    );
    let state_cell = move |c: Option<CameraHealth>| match c {
        None => view! { <span class="muted">"—"</span> }.into_any(),
        Some(c) => view! {
            <span class=format!("state state-{}", c.state.as_str()) data-state=c.state.as_str()>
                {super::board::state_label(i18n, c.state)}
            </span>
        }
        .into_any(),
    };
    view! {
        <section class="page">
            <p><a href="/fleet">{t!(i18n, back_to_fleet)}</a></p>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match vehicle.await {
                        Ok(v) => {
                            let percent = v.percent;
                            let days = v.days;
                            view! {
                                <h1 data-testid="vehicle-plate">{v.plate.clone()}</h1>
                                <dl class="facts">
                                    <dt>{t!(i18n, fleet_station)}</dt><dd>
                                        {v.station.clone()}
                                        {v.on_shift.then(|| view! { " " <span class="tag on-shift" data-testid="on-shift">{t!(i18n, fleet_on_shift_tag)}</span> })}
                                    </dd>
                                    <dt>{t!(i18n, fleet_cabin)}</dt><dd>{state_cell(v.cabin.clone())}</dd>
                                    <dt>{t!(i18n, fleet_forward)}</dt><dd>{state_cell(v.forward.clone())}</dd>
                                </dl>
                                <h2>{t!(i18n, coverage_title)}</h2>
                                {days_links(format!("/fleet/vehicles/{}", v.plate), days)}
                                <p class="coverage-total" data-testid="vehicle-coverage">
                                    {t!(i18n, coverage_vehicle_total, percent = move || format!("{percent:.1}"), days = move || days)}
                                </p>
                                {if v.shifts.is_empty() {
                                    view! { <p class="muted">{t!(i18n, coverage_no_shifts)}</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="table coverage" data-testid="vehicle-shifts">
                                            <thead><tr>
                                                <th scope="col">{t!(i18n, assignment_from)}</th>
                                                <th scope="col">{t!(i18n, assignment_to)}</th>
                                                <th scope="col">{t!(i18n, coverage_crew)}</th>
                                                <th scope="col">{t!(i18n, fleet_cabin)}</th>
                                                <th scope="col">{t!(i18n, fleet_forward)}</th>
                                            </tr></thead>
                                            <tbody>
                                                {v.shifts.into_iter().map(|s| {
                                                    let cam = |placement: &str| s.cameras.iter().find(|c| c.placement == placement).cloned();
                                                    let cell = |c: Option<CameraShift>| match c {
                                                        None => view! { <td class="muted">"—"</td> }.into_any(),
                                                        Some(c) => view! {
                                                            <td class:gap=c.percent < 100.0>
                                                                <strong>{format!("{:.1} %", c.percent)}</strong>
                                                                {(!c.gaps.is_empty()).then(|| view! {
                                                                    <span class="muted gaps">{t!(i18n, coverage_gaps)} " " {c.gaps.join(", ")}</span>
                                                                })}
                                                            </td>
                                                        }.into_any(),
                                                    };
                                                    view! {
                                                        <tr>
                                                            <td class="nowrap">{s.from.clone()}</td>
                                                            <td class="nowrap">{s.to.clone()}</td>
                                                            <td>{s.crew.iter().map(|&(role, ref badge, ref name)| view! {
                                                                <span class="crew">
                                                                    <a href=format!("/officers/{badge}")>{name.clone()}</a>
                                                                    " " <span class="muted">"(" {move || role.label(i18n.get_locale())} ")"</span>
                                                                </span>
                                                            }).collect_view()}</td>
                                                            {cell(cam("cabin"))}
                                                            {cell(cam("forward"))}
                                                        </tr>
                                                    }
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    }.into_any()
                                }}
                            }.into_any()
                        }
                        Err(AppError::NotFound(_)) => view! { <h1>{t!(i18n, not_found_title)}</h1> }.into_any(),
                        Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The coverage line of an officer's file.
#[component]
pub fn OfficerCoverage(badge: String) -> impl IntoView {
    let i18n = use_i18n();
    let line = Resource::new(move || badge.clone(), |b| officer_coverage(b, Some(7)));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                line.await.ok().map(|c| {
                    let percent = c.percent;
                    view! {
                        <p class="coverage-total" data-testid="officer-coverage">
                            {if c.shifts == 0 {
                                t!(i18n, coverage_officer_none).into_any()
                            } else {
                                t!(i18n, coverage_officer_total, percent = move || format!("{percent:.1}")).into_any()
                            }}
                        </p>
                    }
                })
            })}
        </Transition>
    }
}

/// `/fleet/coverage`: who and what had the most time without footage.
#[component]
pub fn CoverageReportPage() -> impl IntoView {
    use leptos_router::hooks::use_query_map;

    let i18n = use_i18n();
    let query = use_query_map();
    let report = Resource::new(
        move || query.with(|q| q.get("days").and_then(|d| d.parse().ok())),
        coverage_report,
    );
    let table = move |lines: Vec<CoverageLine>, vehicles: bool| {
        view! {
            <table class="table coverage" data-testid=if vehicles { "worst-vehicles" } else { "worst-officers" }>
                <thead><tr>
                    <th scope="col">{if vehicles { t_string!(i18n, fleet_vehicle) } else { t_string!(i18n, coverage_officer) }}</th>
                    <th scope="col">{t!(i18n, coverage_shifts)}</th>
                    <th scope="col">{t!(i18n, coverage_missing)}</th>
                    <th scope="col">{t!(i18n, coverage_percent)}</th>
                </tr></thead>
                <tbody>
                    {lines.into_iter().map(|l| {
                        let href = if vehicles { format!("/fleet/vehicles/{}", l.key) } else { format!("/officers/{}", l.key) };
                        let name = if vehicles { l.key.clone() } else { format!("{} ({})", l.label, l.key) };
                        view! {
                            <tr data-key=l.key.clone()>
                                <td><a href=href>{name}</a></td>
                                <td>{l.shifts}</td>
                                <td class="nowrap">{duration(l.gap_ms)}</td>
                                <td>{format!("{:.1} %", l.percent)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
    };
    view! {
        <section class="page" aria-labelledby="coverage-title">
            <p><a href="/fleet">{t!(i18n, back_to_fleet)}</a></p>
            <h1 id="coverage-title">{t!(i18n, coverage_report_title)}</h1>
            <p class="lede">{t!(i18n, coverage_report_intro)}</p>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(r) => view! {
                            {days_links("/fleet/coverage".to_string(), r.days)}
                            <h2>{t!(i18n, coverage_worst_vehicles)}</h2>
                            {table(r.vehicles, true)}
                            {r.officers.map(|o| view! {
                                <h2>{t!(i18n, coverage_worst_officers)}</h2>
                                {table(o, false)}
                            })}
                        }.into_any(),
                        Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
