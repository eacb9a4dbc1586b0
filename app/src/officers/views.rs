//! The officer records' pages: the list, an officer's file, the units tree.

use leptos::prelude::*;

use super::*;
use crate::error::{AppError, ErrorMessage, Field};
use crate::i18n::*;

/// `/officers`: search, filters, sortable columns, pages.
#[component]
pub fn OfficersPage() -> impl IntoView {
    use leptos_router::components::Form;
    use leptos_router::hooks::use_query_map;

    let i18n = use_i18n();
    let query = use_query_map();
    let param = move |k: &str| query.with(|q| q.get(k)).unwrap_or_default();
    let officers = Resource::new(
        move || query.get(),
        |q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            list_officers(
                get("q"),
                get("rank"),
                get("unit"),
                get("status"),
                get("sort"),
                get("page").and_then(|p| p.parse().ok()),
            )
        },
    );
    let href_with = move |key: &'static str, value: String| {
        let mut q = query.get();
        q.replace(key, value);
        if key != "page" {
            q.remove("page");
        }
        format!("/officers{}", q.to_query_string())
    };
    let sort_link = move |key: &'static str, label: AnyView| {
        let current = move || param("sort") == key || (key == "name" && param("sort").is_empty());
        view! {
            <th scope="col" aria-sort=move || if current() { "ascending" } else { "none" }>
                <a href=move || href_with("sort", key.to_string())>{label}</a>
            </th>
        }
    };
    view! {
        <section class="page" aria-labelledby="officers-title">
            <h1 id="officers-title">{t!(i18n, officers_title)}</h1>
            <Form method="GET" action="" attr:class="filters">
                <label>{t!(i18n, officers_search)}
                    <input name="q" type="search" value=move || param("q") placeholder="Xicará, 10417…"/>
                </label>
                <label>{t!(i18n, officers_rank)}
                    <select name="rank">
                        <option value="">{t!(i18n, any_option)}</option>
                        {Rank::ALL.iter().copied().map(|r| view! {
                            <option value=r.as_str() selected=move || param("rank") == r.as_str()>{move || r.label(i18n.get_locale())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{t!(i18n, officers_unit)}
                    <input name="unit" value=move || param("unit") placeholder="13-02" size="6"/>
                </label>
                <label>{t!(i18n, officers_status)}
                    <select name="status">
                        <option value="">{t!(i18n, any_option)}</option>
                        {OfficerStatus::ALL.iter().copied().map(|s| view! {
                            <option value=s.as_str() selected=move || param("status") == s.as_str()>{move || s.label(i18n.get_locale())}</option>
                        }).collect_view()}
                    </select>
                </label>
                <input type="hidden" name="sort" value=move || param("sort")/>
                <button type="submit" class="primary">{t!(i18n, audit_search)}</button>
            </Form>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match officers.await {
                        Ok(p) => {
                            let (current, pages, total) = (p.page, p.pages, p.total);
                            view! {
                                {p.may_write.then(|| view! {
                                    <p class="actions"><a class="button" href="/officers/new">{t!(i18n, officer_new_title)}</a></p>
                                })}
                                <p class="muted" data-testid="officers-total">{t!(i18n, officers_total, count = move || crate::format::format_count(total))}</p>
                                <table class="table" data-testid="officers">
                                    <thead><tr>
                                        {sort_link("badge", t!(i18n, officers_badge).into_any())}
                                        {sort_link("name", t!(i18n, officers_name).into_any())}
                                        {sort_link("rank", t!(i18n, officers_rank).into_any())}
                                        {sort_link("unit", t!(i18n, officers_unit).into_any())}
                                        {sort_link("status", t!(i18n, officers_status).into_any())}
                                    </tr></thead>
                                    <tbody>
                                        {p.rows.into_iter().map(|o| {
                                            let href = format!("/officers/{}", o.badge_number);
                                            let rank = o.rank;
                                            let status = o.status;
                                            view! {
                                                <tr data-badge=o.badge_number.clone()>
                                                    <td><a href=href>{o.badge_number.clone()}</a></td>
                                                    <td>{format!("{}, {}", o.family_names, o.given_names)}</td>
                                                    <td>{move || rank.label(i18n.get_locale())}</td>
                                                    <td>{format!("{} {}", o.unit_code, o.unit_name)}</td>
                                                    <td><span class=format!("status status-{}", o.status)>{move || status.label(i18n.get_locale())}</span></td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <nav class="pager" aria-label=move || t_string!(i18n, audit_pages)>
                                    {(current > 1).then(|| view! { <a href=href_with("page", (current - 1).to_string())>{t!(i18n, page_previous)}</a> })}
                                    <span>{format!("{current} / {pages}")}</span>
                                    {(current < pages).then(|| view! { <a href=href_with("page", (current + 1).to_string())>{t!(i18n, page_next)}</a> })}
                                </nav>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// `/officers/:badge`: one officer's file.
#[component]
pub fn OfficerProfilePage() -> impl IntoView {
    use leptos_router::hooks::use_params_map;

    let i18n = use_i18n();
    let params = use_params_map();
    let change = ServerAction::<ChangeOfficerStatus>::new();
    let assign = ServerAction::<AddAssignment>::new();
    let chip = ServerAction::<AssignChip>::new();
    let give_back = ServerAction::<ReturnChip>::new();
    // The file is read again after a change succeeds, not after a refusal
    // (which would redraw the form and lose what was typed).
    let saved = RwSignal::new(0u32);
    forms::count_successes(change, saved);
    forms::count_successes(assign, saved);
    forms::count_successes(chip, saved);
    forms::count_successes(give_back, saved);
    let badge = move || params.with(|p| p.get("badge").unwrap_or_default());
    let officer = Resource::new(
        move || (badge(), saved.get()),
        |(badge, _)| get_officer(badge),
    );
    // What the reader may do here. Asked once: the forms are drawn once and
    // stay (what was typed survives a refusal) while the data above them is
    // read again after each change.
    let access = Resource::new(badge, officer_permissions);
    // Every resource of the page is made here, before any part waits for
    // data: one made inside a waiting part is numbered in the order the parts
    // resolve, which differs between the server and the browser.
    let file_badge = Signal::derive(badge);
    let record_test = ServerAction::<RecordConfidenceTest>::new();
    let tests_saved = RwSignal::new(0u32);
    forms::count_successes(record_test, tests_saved);
    let tests = forms::officer_tests(file_badge, access, tests_saved);
    let cases = crate::cases::officer_case_list(file_badge, access);
    let coverage = crate::fleet::vehicle::officer_coverage_line(badge);
    // A part of the file, drawn from the officer's data.
    let part = move |draw: fn(OfficerProfile) -> AnyView| {
        view! {
            <Transition fallback=|| ()>
                {move || Suspend::new(async move { officer.await.ok().map(draw) })}
            </Transition>
        }
    };
    // A form, drawn if the reader's permissions allow it.
    let form = move |draw: Box<dyn Fn(String, FileAccess) -> Option<AnyView> + Send + Sync>| {
        let draw = std::sync::Arc::new(draw);
        view! {
            <Transition fallback=|| ()>
                {move || {
                    let draw = draw.clone();
                    Suspend::new(async move { access.await.ok().and_then(|p| draw(badge(), p)) })
                }}
            </Transition>
        }
    };
    view! {
        <section class="page">
            <p><a href="/officers">{t!(i18n, back_to_officers)}</a></p>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match officer.await {
                        Ok(o) => {
                            let rank = o.rank;
                            let status = o.status;
                            view! {
                                <h1 data-testid="officer-name">{format!("{} {}", o.given_names, o.family_names)}</h1>
                                {o.may_write.then(|| view! {
                                    <p><a href=format!("/officers/{}/edit", o.badge_number) data-testid="edit-officer">{t!(i18n, officer_edit_link)}</a></p>
                                })}
                                <dl class="facts wide">
                                    <dt>{t!(i18n, officers_badge)}</dt><dd data-testid="officer-badge">{o.badge_number.clone()}</dd>
                                    <dt>{t!(i18n, officers_rank)}</dt><dd>{move || rank.label(i18n.get_locale())}</dd>
                                    <dt>{t!(i18n, officers_status)}</dt>
                                    <dd>{move || status.label(i18n.get_locale())} {o.status_changed_on.clone().map(|d| format!(" ({d})"))}</dd>
                                    <dt>{t!(i18n, officers_unit)}</dt>
                                    <dd>{format!("{} {} — {} {}", o.unit_code, o.unit_name, o.region_code, o.region_name)}</dd>
                                    <dt>{t!(i18n, officers_hired)}</dt><dd>{o.hire_date.clone()}</dd>
                                    <dt>{t!(i18n, officers_national_id)}</dt>
                                    <dd data-testid="national-id">{o.national_id.clone().unwrap_or_default()}</dd>
                                </dl>
                            }.into_any()
                        }
                        Err(AppError::NotFound(_)) => view! {
                            <h1>{t!(i18n, not_found_title)}</h1>
                        }.into_any(),
                        Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
            {part(assignments_part)}
            <crate::fleet::vehicle::OfficerCoverage line=coverage/>
            {form(Box::new(move |badge, p| p.write.then(|| view! { <forms::AssignmentForm badge action=assign/> }.into_any())))}
            {part(chips_part)}
            {form(Box::new(move |badge, p| p.write.then(|| view! { <forms::ChipForms badge assign=chip give_back/> }.into_any())))}
            <forms::TestsSection badge=file_badge access tests record=record_test/>
            <crate::cases::OfficerCases badge=file_badge cases/>
            {part(history_part)}
            {form(Box::new(move |badge, p| p.write.then(|| view! { <StatusForm badge changed=change/> }.into_any())))}
        </section>
    }
}

/// The officer's latest vehicle assignments.
fn assignments_part(o: OfficerProfile) -> AnyView {
    let i18n = use_i18n();
    let table = if o.assignments.is_empty() {
        view! { <p class="muted">{t!(i18n, assignments_empty)}</p> }.into_any()
    } else {
        let shown = o.assignments.len() as i64;
        let total = o.assignment_count;
        view! {
            <table class="table" data-testid="assignments">
                <thead><tr>
                    <th scope="col">{t!(i18n, assignment_vehicle)}</th>
                    <th scope="col">{t!(i18n, assignment_from)}</th>
                    <th scope="col">{t!(i18n, assignment_to)}</th>
                    <th scope="col">{t!(i18n, assignment_role)}</th>
                </tr></thead>
                <tbody>
                    {o.assignments.iter().map(|a| {
                        let role = a.role;
                        view! {
                            <tr class:current=a.current data-plate=a.plate.clone()>
                                <td><a href=format!("/fleet/vehicles/{}", a.plate)><code>{a.plate.clone()}</code></a> " " <span class="muted">{a.unit_code.clone()}</span></td>
                                <td class="nowrap">{a.from.clone()}</td>
                                <td class="nowrap">{a.to.clone()}</td>
                                <td>{move || role.label(i18n.get_locale())}
                                    {a.current.then(|| view! { " " <span class="badge-now">{t!(i18n, assignment_now)}</span> })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            {(total > shown).then(|| view! {
                <p class="muted">{t!(i18n, assignments_more, shown = move || shown, total = move || total)}</p>
            })}
        }.into_any()
    };
    view! {
        <h2>{t!(i18n, assignments_title)}</h2>
        {table}
    }
    .into_any()
}

/// The badge chips the officer has worn.
fn chips_part(o: OfficerProfile) -> AnyView {
    let i18n = use_i18n();
    view! {
        <h2>{t!(i18n, officers_chips)}</h2>
        <ul class="plain" data-testid="chips">
            {o.chips.iter().map(|c| {
                // Badge health, for the chip worn now: its latest ping and battery.
                let worn = c.to_ms.is_none();
                let (last, battery) = (c.last_ping.clone(), c.battery_pct);
                let low = battery.is_some_and(|b| b < 20);
                view! {
                    <li><code>{c.chip_id.clone()}</code> " " <span>{c.period.clone()}</span>
                        {worn.then(|| view! {
                            <span data-testid="chip-health" class:warn=low>
                                {match last {
                                    Some(at) => view! { <span>" · " {t!(i18n, chip_last_ping, at = move || at.clone())}</span> }.into_any(),
                                    None => view! { <span>" · " {t!(i18n, chip_never_pinged)}</span> }.into_any(),
                                }}
                                {battery.map(|b| view! { <span>" · " {t!(i18n, chip_battery, pct = move || b)}</span> })}
                            </span>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
        {o.track_href.clone().map(|href| view! {
            <p><a href=href data-testid="track-link">{t!(i18n, officer_track_link)}</a></p>
        })}
    }
    .into_any()
}

/// The officer's recorded changes of status.
fn history_part(o: OfficerProfile) -> AnyView {
    let i18n = use_i18n();
    let body = if o.history.is_empty() {
        view! { <p class="muted">{t!(i18n, status_history_empty)}</p> }.into_any()
    } else {
        view! {
            <table class="table" data-testid="status-history">
                <tbody>
                    {o.history.iter().map(|h| {
                        let status = h.status;
                        view! {
                            <tr>
                                <td class="nowrap">{h.effective_on.clone()}</td>
                                <td>{move || status.label(i18n.get_locale())}</td>
                                <td>{h.reason.clone()}
                                    {h.case_number.clone().map(|n| view! { " " <a href=format!("/cases/{n}") data-testid="decided-by">{n.clone()}</a> })}</td>
                                <td class="muted">{h.recorded_by.clone()}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <h2>{t!(i18n, status_history_title)}</h2>
        {body}
    }
    .into_any()
}

/// The status-change form, for the roles that may write officer records.
#[component]
fn StatusForm(badge: String, changed: ServerAction<ChangeOfficerStatus>) -> impl IntoView {
    use forms::FieldError;
    let i18n = use_i18n();
    let error = forms::last_error(changed);
    view! {
        <h2>{t!(i18n, status_change_title)}</h2>
        <ActionForm action=changed attr:class="form" attr:data-testid="status-form">
            <input type="hidden" name="badge_number" value=badge/>
            <label for="new-status">{t!(i18n, officers_status)}</label>
            <select id="new-status" name="status">
                // Dismissals and suspensions come from the ministry's decisions on cases.
                {OfficerStatus::ALL.iter().copied().filter(|s| !s.by_decision()).map(|s| view! {
                    <option value=s.as_str()>{move || s.label(i18n.get_locale())}</option>
                }).collect_view()}
            </select>
            <FieldError error field=Field::Status/>
            <label for="effective-on">{t!(i18n, status_effective_on)}</label>
            <input id="effective-on" name="effective_on" type="date" required/>
            <FieldError error field=Field::EffectiveOn/>
            <label for="status-reason">{t!(i18n, status_reason)}</label>
            <input id="status-reason" name="reason" required/>
            <FieldError error field=Field::Reason/>
            <button type="submit" class="primary">{t!(i18n, status_change_button)}</button>
            <forms::FormError error/>
        </ActionForm>
    }
}

/// `/units`: national → regions → stations, with officer counts.
#[component]
pub fn UnitsPage() -> impl IntoView {
    let i18n = use_i18n();
    let units = Resource::new(|| (), |_| list_units());
    view! {
        <section class="page" aria-labelledby="units-title">
            <h1 id="units-title">{t!(i18n, units_title)}</h1>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match units.await {
                        Ok(nodes) => {
                            let regions: Vec<UnitNode> = nodes.iter().filter(|n| n.kind == "region").cloned().collect();
                            let national = nodes.iter().find(|n| n.kind == "national").cloned();
                            view! {
                                {national.map(|n| view! {
                                    <p class="lede" data-testid="national">{format!("{} {} — ", n.code, n.name)}
                                        {t!(i18n, officers_total, count = move || crate::format::format_count(n.officers))}</p>
                                })}
                                <ul class="tree" data-testid="units">
                                    {regions.into_iter().map(|r| {
                                        let stations: Vec<UnitNode> = nodes.iter().filter(|s| s.parent_code == r.code).cloned().collect();
                                        let region_href = format!("/officers?unit={}", r.code);
                                        view! {
                                            <li data-unit=r.code.clone()>
                                                <details>
                                                    // Only text in the summary: a link inside it would be a
                                                    // control nested in a control (axe: nested-interactive).
                                                    <summary>
                                                        {format!("{} {}", r.code, r.name)}
                                                        " "<span class="count">{r.officers}</span>
                                                    </summary>
                                                    <p class="region-link">
                                                        <a href=region_href>
                                                            {t!(i18n, units_region_officers, count = move || crate::format::format_count(r.officers))}
                                                        </a>
                                                    </p>
                                                    <ul>
                                                        {stations.into_iter().map(|s| view! {
                                                            <li data-unit=s.code.clone()>
                                                                <a href=format!("/officers?unit={}", s.code)>{format!("{} {}", s.code, s.name)}</a>
                                                                <span class="count">{s.officers}</span>
                                                            </li>
                                                        }).collect_view()}
                                                    </ul>
                                                </details>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
