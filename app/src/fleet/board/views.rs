//! The pages.

use super::*;

/// `/fleet`: counts by state, filters, the vehicles (trouble first),
/// refreshed every few seconds while open.
#[component]
pub fn FleetBoardPage() -> impl IntoView {
    use leptos_router::components::Form;
    use leptos_router::hooks::use_query_map;

    let i18n = use_i18n();
    let query = use_query_map();
    let param = move |k: &str| query.with(|q| q.get(k)).unwrap_or_default();
    // A tick that moves every few seconds in the browser: the board is read
    // again without a reload (the server renders the first one).
    let (tick, set_tick) = signal(0u64);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || set_tick.update(|t| *t += 1),
            std::time::Duration::from_secs(REFRESH_SECONDS),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let board = Resource::new(
        move || (query.get(), tick.get()),
        |(q, _)| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            fleet_board(
                get("region"),
                get("state"),
                get("duty"),
                get("badges"),
                get("page").and_then(|p| p.parse().ok()),
            )
        },
    );
    let href_with = move |key: &'static str, value: String| {
        let mut q = query.get();
        if value.is_empty() {
            q.remove(key);
        } else {
            q.replace(key, value);
        }
        if key != "page" {
            q.remove("page");
        }
        format!("/fleet{}", q.to_query_string())
    };
    let camera_cell = move |now: i64, c: Option<CameraHealth>| match c {
        None => view! { <td class="muted">"—"</td> }.into_any(),
        Some(c) => view! {
            <td>
                <span class=format!("state state-{}", c.state.as_str()) data-state=c.state.as_str()>
                    {state_label(i18n, c.state)}
                </span>
                <span class="muted since">{ago(now, c.last_heard_at)}</span>
            </td>
        }
        .into_any(),
    };
    // The crew's badges: how many are heard, or which are silent (whose,
    // for a reader of officer files) and since when.
    let badges_cell = move |now: i64, count: u32, silent: Vec<SilentBadge>| {
        if count == 0 {
            return view! { <td class="muted">"—"</td> }.into_any();
        }
        if silent.is_empty() {
            return view! { <td class="muted" data-badges="heard">{t!(i18n, fleet_badges_heard, count = move || count)}</td> }
                .into_any();
        }
        let n = silent.len();
        view! {
            <td data-badges="silent">
                <span class="state state-silent" data-testid="badges-silent">{t!(i18n, fleet_badges_silent, silent = move || n, count = move || count)}</span>
                <ul class="plain silent-badges">
                    {silent.into_iter().map(|b| {
                        let since = match b.last_ping_at {
                            Some(_) => ago(now, b.last_ping_at),
                            None => t_string!(i18n, fleet_badge_never).to_string(),
                        };
                        let who = (!b.badge_number.is_empty()).then(|| {
                            let href = format!("/officers/{}", b.badge_number);
                            view! { <a href=href>{b.badge_number.clone()}</a> " " }
                        });
                        view! { <li>{who}<span class="muted since">{since}</span></li> }
                    }).collect_view()}
                </ul>
            </td>
        }
        .into_any()
    };
    view! {
        <section class="page" aria-labelledby="fleet-title">
            <h1 id="fleet-title">{t!(i18n, fleet_title)}</h1>
            <p class="days-switch">
                <a href="/fleet/coverage" data-testid="coverage-link">{t!(i18n, coverage_report_title)}</a>
                <a href="/fleet/sla" data-testid="sla-link">{t!(i18n, sla_title)}</a>
            </p>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match board.await {
                        Ok(b) => {
                            let now = b.at;
                            let selected_region = param("region");
                            let selected_state = param("state");
                            let selected_duty = param("duty");
                            let selected_badges = param("badges");
                            let badge_class = if b.silent_badges > 0 { "count badges-silent" } else { "count" };
                            let (page, pages) = (b.page, b.pages);
                            view! {
                                <ul class="state-counts" data-testid="fleet-counts">
                                    {b.counts.iter().map(|(s, n)| {
                                        let s = *s;
                                        view! {
                                            <li>
                                                <a href=href_with("state", s.as_str().to_string())
                                                   class=format!("count state-{}", s.as_str()) data-state=s.as_str()>
                                                    <strong>{crate::format::format_count(*n)}</strong>
                                                    <span>{state_label(i18n, s)}</span>
                                                </a>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                <p class="state-counts badge-counts">
                                    <a href=href_with("badges", "silent".to_string())
                                       class=badge_class data-testid="fleet-silent-badges">
                                        <strong>{crate::format::format_count(b.silent_badges)}</strong>
                                        <span>{t!(i18n, fleet_silent_badges)}</span>
                                    </a>
                                </p>
                                <p class="muted" aria-live="polite" data-testid="fleet-updated">
                                    {t!(i18n, fleet_updated)} " " {b.at_local.clone()} " · "
                                    {t!(i18n, fleet_silent_after, minutes = move || b.silent_after_minutes)} " · "
                                    {t!(i18n, fleet_badge_silent_after, minutes = move || b.badge_silent_after_minutes)}
                                </p>
                                <Form method="GET" action="" attr:class="filters">
                                    <label>{t!(i18n, fleet_region)}
                                        <select name="region">
                                            <option value="">{t!(i18n, any_option)}</option>
                                            {b.regions.iter().map(|(code, name)| {
                                                let sel = *code == selected_region;
                                                view! { <option value=code.clone() selected=sel>{name.clone()}</option> }
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    <label>{t!(i18n, fleet_state)}
                                        <select name="state">
                                            <option value="">{t!(i18n, any_option)}</option>
                                            {CameraState::ALL.iter().map(|s| {
                                                let sel = s.as_str() == selected_state;
                                                view! { <option value=s.as_str() selected=sel>{state_label(i18n, *s)}</option> }
                                            }).collect_view()}
                                        </select>
                                    </label>
                                    <label>{t!(i18n, fleet_duty)}
                                        <select name="duty">
                                            <option value="">{t!(i18n, any_option)}</option>
                                            <option value="on" selected=selected_duty == "on">{t!(i18n, fleet_on_shift)}</option>
                                            <option value="off" selected=selected_duty == "off">{t!(i18n, fleet_off_shift)}</option>
                                        </select>
                                    </label>
                                    <label>{t!(i18n, field_badges)}
                                        <select name="badges">
                                            <option value="">{t!(i18n, any_option)}</option>
                                            <option value="silent" selected=selected_badges == "silent">{t!(i18n, fleet_badges_silent_option)}</option>
                                        </select>
                                    </label>
                                    <button type="submit" class="primary">{t!(i18n, fleet_filter)}</button>
                                </Form>
                                <p class="muted" data-testid="fleet-total">{t!(i18n, fleet_total, count = move || crate::format::format_count(b.total), on_shift = move || crate::format::format_count(b.on_shift))}</p>
                                <table class="table fleet" data-testid="fleet-table">
                                    <thead><tr>
                                        <th scope="col">{t!(i18n, fleet_vehicle)}</th>
                                        <th scope="col">{t!(i18n, fleet_station)}</th>
                                        <th scope="col">{t!(i18n, fleet_cabin)}</th>
                                        <th scope="col">{t!(i18n, fleet_forward)}</th>
                                        <th scope="col">{t!(i18n, fleet_badges)}</th>
                                    </tr></thead>
                                    <tbody>
                                        {b.vehicles.into_iter().map(|v| view! {
                                            <tr data-plate=v.plate.clone()>
                                                <th scope="row"><a href=format!("/fleet/vehicles/{}", v.plate)>{v.plate.clone()}</a></th>
                                                <td>
                                                    {v.station.clone()}
                                                    {v.on_shift.then(|| view! { " " <span class="tag on-shift" data-testid="on-shift">{t!(i18n, fleet_on_shift_tag)}</span> })}
                                                </td>
                                                {camera_cell(now, v.cabin.clone())}
                                                {camera_cell(now, v.forward.clone())}
                                                {badges_cell(now, v.badges, v.silent_badges.clone())}
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <nav class="pager" aria-label=move || t_string!(i18n, fleet_pages)>
                                    {(page > 1).then(|| view! { <a href=href_with("page", (page - 1).to_string())>{t!(i18n, page_previous)}</a> })}
                                    <span>{format!("{page} / {pages}")}</span>
                                    {(page < pages).then(|| view! { <a href=href_with("page", (page + 1).to_string())>{t!(i18n, page_next)}</a> })}
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
