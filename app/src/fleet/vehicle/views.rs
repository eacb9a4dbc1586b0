//! The pages.

use super::*;

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
                {crate::fleet::board::state_label(i18n, c.state)}
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

/// The last seven days' coverage of an officer's shifts, for their file.
/// The page makes it before any of its parts waits for data, so that the
/// server and the browser number the page's resources alike.
pub fn officer_coverage_line(
    badge: impl Fn() -> String + Send + Sync + 'static,
) -> Resource<Result<CoverageLine, AppError>> {
    Resource::new(badge, |b| officer_coverage(b, Some(7)))
}

/// The coverage line of an officer's file.
#[component]
pub fn OfficerCoverage(line: Resource<Result<CoverageLine, AppError>>) -> impl IntoView {
    let i18n = use_i18n();
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
                            <p class="muted" data-testid="computed-at">{t!(i18n, report_computed_at)} " " {r.at_local.clone()}</p>
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
