//! The pages: an officer's track on the offline map with its time axis,
//! and who was near a place at a time.

use leptos::prelude::*;

use super::*;
use crate::error::ErrorMessage;
use crate::i18n::*;

/// The time buckets the track's path is coloured by (classes `t0`…`t9`).
const BUCKETS: usize = 10;

/// `/officers/{badge}/track?from=…&to=…`
#[component]
pub fn TrackPage() -> impl IntoView {
    use leptos_router::components::Form;
    use leptos_router::hooks::{use_params_map, use_query_map};

    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let badge = move || params.with(|p| p.get("badge").unwrap_or_default());
    let param = move |k: &str| query.with(|q| q.get(k)).unwrap_or_default();
    let track = Resource::new(
        move || (badge(), query.get()),
        |(badge, q)| async move {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            match (get("from"), get("to")) {
                (Some(from), Some(to)) => Some(officer_track(badge, from, to).await),
                _ => None,
            }
        },
    );
    view! {
        <section class="page" aria-labelledby="track-title">
            <p class="crumbs"><a href=move || format!("/officers/{}", badge())>{t!(i18n, track_back_to_file)}</a></p>
            <h1 id="track-title">{t!(i18n, track_title)} " " {badge}</h1>
            <p class="lede">{t!(i18n, track_intro)}</p>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let result = track.await;
                    // The window as the server read it, in local time (the
                    // address may carry RFC 3339 times in UTC).
                    let (from, to) = match &result {
                        Some(Ok(v)) => (v.from_input.clone(), v.to_input.clone()),
                        _ => (local_input(&param("from")), local_input(&param("to"))),
                    };
                    view! {
                        <Form method="GET" action="" attr:class="filters">
                            <label>{t!(i18n, footage_from)}<input name="from" type="datetime-local" value=from required/></label>
                            <label>{t!(i18n, footage_to)}<input name="to" type="datetime-local" value=to required/></label>
                            <button type="submit" class="primary">{t!(i18n, track_show)}</button>
                        </Form>
                        {match result {
                            None => view! { <p class="muted">{t!(i18n, track_hint)}</p> }.into_any(),
                            Some(Ok(v)) => view! {
                                <LinkWindow v=v.clone() case=param("case")/>
                                {track_view(v)}
                            }.into_any(),
                            Some(Err(e)) => view! { <ErrorMessage error=e/> }.into_any(),
                        }}
                    }
                })}
            </Transition>
        </section>
    }
}

/// The window shown, linked to a case in one action: the open cases the
/// reader works where this officer is one of the case's officers (the one
/// the reader came from chosen), and why.
#[component]
fn LinkWindow(v: TrackView, case: String) -> impl IntoView {
    use crate::cases::LinkCaseTrack;
    use crate::error::Field;
    use crate::officers::forms::{last_error, FieldError, FormError};

    let i18n = use_i18n();
    let action = ServerAction::<LinkCaseTrack>::new();
    let error = last_error(action);
    let done = move || action.value().get().and_then(Result::ok);
    let case = case.trim().to_uppercase();
    let open = !case.is_empty();
    let (from, to) = (v.from_rfc3339.clone(), v.to_rfc3339.clone());
    if v.link_cases.is_empty() {
        // Only for a reader who came from a case: the others have no case
        // to link to, and no need to be told.
        return open
            .then(|| view! { <p class="muted" data-testid="link-window-none">{t!(i18n, track_link_none)}</p> })
            .into_any();
    }
    view! {
        <details class="case-link" data-testid="link-window" open=open>
            <summary>{t!(i18n, track_link_title)}</summary>
            <ActionForm action=action attr:class="form" attr:data-testid="link-window-form">
                <input type="hidden" name="badge" value=v.badge.clone()/>
                <input type="hidden" name="from" value=from/>
                <input type="hidden" name="to" value=to/>
                <p class="hint">{t!(i18n, track_link_hint)}</p>
                <p><strong>{format!("{} · {} → {}", v.officer, v.from, v.to)}</strong></p>
                <label for="track-link-case">{t!(i18n, track_link_case)}</label>
                <select id="track-link-case" name="number">
                    {v.link_cases.iter().map(|n| view! {
                        <option value=n.clone() selected=*n == case>{n.clone()}</option>
                    }).collect_view()}
                </select>
                <FieldError error=error field=Field::Number/>
                <FieldError error=error field=Field::BadgeNumber/>
                <FieldError error=error field=Field::From/>
                <FieldError error=error field=Field::To/>
                <label for="track-link-reason">{t!(i18n, evidence_why)}</label>
                <input id="track-link-reason" name="reason" required maxlength="500"/>
                <FieldError error=error field=Field::Reason/>
                <button type="submit" class="primary" data-testid="link-window-button">{t!(i18n, case_link_button)}</button>
                <FormError error=error/>
                {move || done().map(|number| {
                    let href = format!("/cases/{number}#evidence");
                    view! {
                        <p class="notice" role="status" data-testid="window-linked">
                            <a href=href>{t!(i18n, track_link_done, number = move || number.clone())}</a>
                        </p>
                    }
                })}
            </ActionForm>
        </details>
    }
    .into_any()
}

/// A `datetime-local` input's value from a query value: a local time as
/// it is, an RFC 3339 time cut to its local minutes.
fn local_input(v: &str) -> String {
    v.get(..16).unwrap_or(v).to_string()
}

/// The department boundaries, the scale bar and `children` on one map.
fn map_svg(
    map: &MapView,
    label: String,
    testid: &'static str,
    children: impl IntoView,
) -> impl IntoView {
    let f = map.frame;
    let (bar, metres) = map.scale_bar;
    let bar_text = if metres >= 1000 {
        format!("{} km", metres / 1000)
    } else {
        format!("{metres} m")
    };
    let y = f64::from(f.height) - 14.0;
    // The deployment's own tiles, if it has a tile server, beneath the
    // boundaries (which are then drawn as outlines only).
    let tiled = !map.tiles.is_empty();
    let attribution = map.attribution.clone().filter(|_| tiled);
    view! {
        <svg class=if tiled { "map tiled" } else { "map" } data-testid=testid viewBox=format!("0 0 {} {}", f.width, f.height) role="img" aria-label=label>
            <rect class="sea" x="0" y="0" width=f.width.to_string() height=f.height.to_string()/>
            {map.tiles.iter().map(|t| view! {
                <image class="tile" href=t.href.clone() x=format!("{:.1}", t.x) y=format!("{:.1}", t.y)
                    width=format!("{:.1}", t.width) height=format!("{:.1}", t.height)
                    preserveAspectRatio="none" aria-hidden="true"/>
            }).collect_view()}
            {map.departments.iter().map(|(name, d)| view! {
                <path class="dept" d=d.clone()><title>{name.clone()}</title></path>
            }).collect_view()}
            {children}
            <g class="scale" aria-hidden="true">
                <line x1="12" y1=format!("{y:.1}") x2=format!("{:.1}", 12.0 + bar) y2=format!("{y:.1}")/>
                <text x="12" y=format!("{:.1}", y - 5.0)>{bar_text}</text>
            </g>
            {attribution.map(|a| view! {
                <text class="attribution" data-testid="map-attribution" x=format!("{}", f.width.saturating_sub(6)) y=format!("{}", f.height.saturating_sub(6))>{a}</text>
            })}
        </svg>
    }
}

/// A shift's car and the officer's role in it, in the reader's language.
fn shift_label(i18n: leptos_i18n::I18nContext<Locale>, s: &Stretch) -> String {
    match s.role {
        Some(role) => format!("{} · {}", s.label, role.label(i18n.get_locale())),
        None => s.label.clone(),
    }
}

fn track_view(v: TrackView) -> impl IntoView {
    let i18n = use_i18n();
    let n = v.points.len();
    // The path, one polyline per time bucket (each joined to the next).
    let mut buckets: Vec<Vec<(f64, f64)>> = vec![Vec::new(); BUCKETS];
    for (i, p) in v.points.iter().enumerate() {
        let b = ((p.t * BUCKETS as f64) as usize).min(BUCKETS - 1);
        if buckets[b].is_empty() && i > 0 {
            let prev = &v.points[i - 1];
            buckets[b].push((prev.x, prev.y));
        }
        buckets[b].push((p.x, p.y));
    }
    let first = v.points.first().cloned();
    let last = v.points.last().cloned();
    let span = (v.to_ms - v.from_ms).max(1) as f64;
    let at_x = move |ms: i64| ((ms - v.from_ms) as f64 / span * 1000.0).clamp(0.0, 1000.0);
    let (pings, mock, gaps_n, jumps_n) = (v.pings, v.mock, v.gaps.len(), v.jumps.len());
    let (max_speed, silent) = (v.max_speed_kmh, v.silent_minutes);
    let label = format!("{} · {}", t_string!(i18n, track_map_label), v.officer);
    let officer = v.officer.clone();
    let gap_lines: Vec<(f64, f64, f64, f64)> = v
        .gaps
        .iter()
        .filter_map(|g| {
            let a = v.points.iter().rev().find(|p| p.ts_ms <= g.from_ms)?;
            let b = v.points.iter().find(|p| p.ts_ms >= g.to_ms)?;
            Some((a.x, a.y, b.x, b.y))
        })
        .collect();
    let map = map_svg(
        &v.map,
        label,
        "track-map",
        view! {
            {buckets.into_iter().enumerate().filter(|(_, b)| b.len() > 1).map(|(k, b)| {
                let pts = b.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
                view! { <polyline class=format!("trk t{k}") points=pts/> }
            }).collect_view()}
            {gap_lines.into_iter().map(|(x1, y1, x2, y2)| view! {
                <line class="gapline" data-testid="map-gap" x1=format!("{x1:.1}") y1=format!("{y1:.1}") x2=format!("{x2:.1}") y2=format!("{y2:.1}")/>
            }).collect_view()}
            {v.jumps.iter().map(|j| view! {
                <line class="jumpline" data-testid="map-jump" x1=format!("{:.1}", j.from_xy.0) y1=format!("{:.1}", j.from_xy.1) x2=format!("{:.1}", j.to_xy.0) y2=format!("{:.1}", j.to_xy.1)>
                    <title>{format!("{} · {:.0} km/h", j.at, j.kmh)}</title>
                </line>
            }).collect_view()}
            {v.points.iter().filter(|p| p.mark == PointMark::Stop).map(|p| view! {
                <circle class="stop" cx=format!("{:.1}", p.x) cy=format!("{:.1}", p.y) r="3.5"><title>{p.at.clone()}</title></circle>
            }).collect_view()}
            {v.points.iter().filter(|p| p.mock).map(|p| view! {
                <path class="mock" d=format!("M{:.1} {:.1}l8 8m0 -8l-8 8", p.x - 4.0, p.y - 4.0)><title>{p.at.clone()}</title></path>
            }).collect_view()}
            {first.map(|p| view! { <circle class="start" data-testid="track-start" data-lat=format!("{:.6}", p.lat) data-lon=format!("{:.6}", p.lon) data-ms=p.ts_ms.to_string() cx=format!("{:.1}", p.x) cy=format!("{:.1}", p.y) r="7"><title>{p.at}</title></circle> })}
            {last.filter(|_| n > 1).map(|p| view! { <rect class="end" data-testid="track-end" data-lat=format!("{:.6}", p.lat) data-lon=format!("{:.6}", p.lon) data-ms=p.ts_ms.to_string() x=format!("{:.1}", p.x - 6.0) y=format!("{:.1}", p.y - 6.0) width="12" height="12"><title>{p.at}</title></rect> })}
        },
    );
    view! {
        <p class="muted" data-testid="track-summary">
            <span>{t!(i18n, track_summary, officer = move || officer.clone(), pings = move || pings, drawn = move || n)}</span>
            {(mock > 0).then(|| view! { <span class="badge warn track-mock" data-testid="track-mock">{t!(i18n, track_mock, count = move || mock)}</span> })}
        </p>
        {(pings == 0).then(|| view! { <p class="notice" data-testid="track-empty">{t!(i18n, track_empty)}</p> })}
        <div class="track-layout">
            {map}
            <ul class="legend" aria-label=move || t_string!(i18n, track_legend)>
                <li><span class="key start" aria-hidden="true"></span>{t!(i18n, track_legend_start)} " " {v.from.clone()}</li>
                <li><span class="key end" aria-hidden="true"></span>{t!(i18n, track_legend_end)} " " {v.to.clone()}</li>
                <li><span class="key ramp" aria-hidden="true"></span>{t!(i18n, track_legend_time)}</li>
                <li><span class="key stop" aria-hidden="true"></span>{t!(i18n, track_legend_stop)}</li>
                <li><span class="key gap" aria-hidden="true"></span>{t!(i18n, track_legend_gap, minutes = move || silent)}</li>
                <li><span class="key jump" aria-hidden="true"></span>{t!(i18n, track_legend_jump, kmh = move || max_speed)}</li>
            </ul>
        </div>
        // The time axis: shifts (with their car), gaps, and when the badge spoke.
        <div class="timeline track-axis" data-testid="track-axis" role="img" aria-label=move || t_string!(i18n, track_axis)>
            <div class="lane">
                <span class="lane-label">{t!(i18n, track_lane_shifts)}</span>
                <svg class="lane-track" viewBox="0 0 1000 20" preserveAspectRatio="none" aria-hidden="true">
                    {v.shifts.iter().map(|s| {
                        let (x1, x2) = (at_x(s.from_ms), at_x(s.to_ms));
                        let title = format!("{} · {} → {}", shift_label(i18n, s), s.from, s.to);
                        view! { <rect class="bar shift" x=format!("{x1:.2}") y="0" width=format!("{:.2}", (x2 - x1).max(1.0)) height="20"><title>{title}</title></rect> }
                    }).collect_view()}
                </svg>
            </div>
            <div class="lane">
                <span class="lane-label">{t!(i18n, track_lane_pings)}</span>
                <svg class="lane-track" viewBox="0 0 1000 20" preserveAspectRatio="none" aria-hidden="true">
                    {v.points.iter().map(|p| {
                        let x = at_x(p.ts_ms);
                        view! { <rect class="tick" x=format!("{x:.2}") y="2" width="0.6" height="16"/> }
                    }).collect_view()}
                    {v.gaps.iter().map(|g| {
                        let (x1, x2) = (at_x(g.from_ms), at_x(g.to_ms));
                        view! { <rect class="bar gap" data-testid="axis-gap" x=format!("{x1:.2}") y="0" width=format!("{:.2}", (x2 - x1).max(1.0)) height="20"><title>{format!("{} → {}", g.from, g.to)}</title></rect> }
                    }).collect_view()}
                </svg>
            </div>
            <div class="axis"><span>{v.from.clone()}</span><span>{v.to.clone()}</span></div>
        </div>
        <h2>{t!(i18n, track_gaps_title)} " (" {gaps_n} ")"</h2>
        {if v.gaps.is_empty() {
            view! { <p class="muted">{t!(i18n, track_no_gaps, minutes = move || silent)}</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="track-gaps">
                    <thead><tr>
                        <th scope="col">{t!(i18n, footage_from)}</th>
                        <th scope="col">{t!(i18n, footage_to)}</th>
                        <th scope="col">{t!(i18n, track_minutes)}</th>
                    </tr></thead>
                    <tbody>
                        {v.gaps.iter().map(|g| view! {
                            <tr><td class="nowrap">{g.from.clone()}</td><td class="nowrap">{g.to.clone()}</td><td>{(g.to_ms - g.from_ms) / 60_000}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h2>{t!(i18n, track_jumps_title)} " (" {jumps_n} ")"</h2>
        {if v.jumps.is_empty() {
            view! { <p class="muted">{t!(i18n, track_no_jumps, kmh = move || max_speed)}</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="track-jumps">
                    <thead><tr>
                        <th scope="col">{t!(i18n, track_at)}</th>
                        <th scope="col">"km/h"</th>
                        <th scope="col">"km"</th>
                        <th scope="col">{t!(i18n, track_seconds)}</th>
                    </tr></thead>
                    <tbody>
                        {v.jumps.iter().map(|j| view! {
                            <tr><td class="nowrap">{j.at.clone()}</td><td>{format!("{:.0}", j.kmh)}</td><td>{format!("{:.2}", j.metres / 1000.0)}</td><td>{(j.to_ms - j.from_ms) / 1000}</td></tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <h2>{t!(i18n, track_shifts_title)}</h2>
        {if v.shifts.is_empty() {
            view! { <p class="muted">{t!(i18n, track_no_shifts)}</p> }.into_any()
        } else {
            view! {
                <ul data-testid="track-shifts">
                    {v.shifts.iter().map(|s| view! { <li>{format!("{} → {} · {}", s.from, s.to, shift_label(i18n, s))}</li> }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

/// `/tracking/near?lat=…&lon=…&radius=…&from=…&to=…`
#[component]
pub fn NearPage() -> impl IntoView {
    use leptos_router::components::Form;
    use leptos_router::hooks::use_query_map;

    let i18n = use_i18n();
    let query = use_query_map();
    let param = move |k: &str| query.with(|q| q.get(k)).unwrap_or_default();
    // The place, as typed or clicked on the map.
    let lat = RwSignal::new(param("lat"));
    let lon = RwSignal::new(param("lon"));
    Effect::new(move |_| {
        lat.set(param("lat"));
        lon.set(param("lon"));
    });
    let result = Resource::new(
        move || query.get(),
        |q| async move {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            match (get("lat"), get("lon"), get("from"), get("to")) {
                (Some(lat), Some(lon), Some(from), Some(to)) => Some(
                    tracking_near(
                        lat,
                        lon,
                        get("radius").unwrap_or_else(|| "250".into()),
                        from,
                        to,
                    )
                    .await,
                ),
                _ => None,
            }
        },
    );
    let country = Resource::new(|| (), |_| tracking_map());
    let radius = move || {
        let r = param("radius");
        if r.is_empty() {
            "250".to_string()
        } else {
            r
        }
    };
    view! {
        <section class="page" aria-labelledby="near-title">
            <h1 id="near-title">{t!(i18n, near_title)}</h1>
            <p class="lede">{t!(i18n, near_intro)}</p>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    let found = result.await;
                    let (from, to) = match &found {
                        Some(Ok(v)) => (v.from_input.clone(), v.to_input.clone()),
                        _ => (local_input(&param("from")), local_input(&param("to"))),
                    };
                    let form = view! {
                        <Form method="GET" action="" attr:class="filters">
                            <label>{t!(i18n, field_lat)}<input name="lat" data-testid="near-lat" inputmode="decimal" value=move || param("lat") prop:value=move || lat.get() on:input=move |ev| lat.set(event_target_value(&ev)) required size="10"/></label>
                            <label>{t!(i18n, field_lon)}<input name="lon" data-testid="near-lon" inputmode="decimal" value=move || param("lon") prop:value=move || lon.get() on:input=move |ev| lon.set(event_target_value(&ev)) required size="10"/></label>
                            <label>{t!(i18n, near_radius)}<input name="radius" type="number" min="1" max="5000" step="1" value=radius required/></label>
                            <label>{t!(i18n, footage_from)}<input name="from" type="datetime-local" value=from required/></label>
                            <label>{t!(i18n, footage_to)}<input name="to" type="datetime-local" value=to required/></label>
                            <button type="submit" class="primary">{t!(i18n, near_search)}</button>
                        </Form>
                        <p class="muted">{t!(i18n, near_click_hint)}</p>
                    };
                    let body = match found {
                        Some(Ok(v)) => near_view(v, lat, lon).into_any(),
                        Some(Err(e)) => view! { <ErrorMessage error=e/> }.into_any(),
                        None => match country.await {
                            Ok(map) => clickable_map(map, lat, lon, ().into_any()).into_any(),
                            Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                        },
                    };
                    view! { {form} {body} }
                })}
            </Transition>
        </section>
    }
}

/// A map on which a click (or a tap) chooses the place.
fn clickable_map(
    map: MapView,
    lat: RwSignal<String>,
    lon: RwSignal<String>,
    children: AnyView,
) -> impl IntoView {
    let i18n = use_i18n();
    let frame = map.frame;
    let on_click = move |ev: leptos::ev::MouseEvent| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(el) = ev
                .current_target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            let r = el.get_bounding_client_rect();
            if r.width() <= 0.0 || r.height() <= 0.0 {
                return;
            }
            let x = (f64::from(ev.client_x()) - r.left()) / r.width() * f64::from(frame.width);
            let y = (f64::from(ev.client_y()) - r.top()) / r.height() * f64::from(frame.height);
            let (la, lo) = frame.unproject(x, y);
            lat.set(format!("{la:.5}"));
            lon.set(format!("{lo:.5}"));
        }
        #[cfg(not(feature = "hydrate"))]
        drop((ev, frame, lat, lon));
    };
    let label = t_string!(i18n, near_map_label).to_string();
    view! {
        <div class="clickable-map" on:click=on_click>
            {map_svg(&map, label, "near-map", children)}
        </div>
    }
}

fn near_view(v: NearView, lat: RwSignal<String>, lon: RwSignal<String>) -> impl IntoView {
    let i18n = use_i18n();
    let (cx, cy, r) = v.circle;
    let count = v.officers.len();
    let (from_input, to_input) = (v.from_input.clone(), v.to_input.clone());
    let (from, to, radius) = (v.from.clone(), v.to.clone(), v.radius_m);
    let marks = view! {
        <circle class="near-circle" cx=format!("{cx:.1}") cy=format!("{cy:.1}") r=format!("{r:.1}")/>
        <circle class="near-centre" cx=format!("{cx:.1}") cy=format!("{cy:.1}") r="4"/>
        {v.officers.iter().map(|o| view! {
            <circle class="near-officer" cx=format!("{:.1}", o.x) cy=format!("{:.1}", o.y) r="5">
                <title>{format!("{} · {} · {:.0} m", o.badge, o.officer, o.closest_m)}</title>
            </circle>
        }).collect_view()}
    }
    .into_any();
    view! {
        <p class="muted" data-testid="near-summary">
            {t!(i18n, near_summary, count = move || count, radius = move || radius, from = move || from.clone(), to = move || to.clone())}
        </p>
        {clickable_map(v.map.clone(), lat, lon, marks)}
        {if v.officers.is_empty() {
            view! { <p class="muted" data-testid="near-none">{t!(i18n, near_none)}</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="near-table">
                    <thead><tr>
                        <th scope="col">{t!(i18n, officers_badge)}</th>
                        <th scope="col">{t!(i18n, officers_name)}</th>
                        <th scope="col">{t!(i18n, near_closest)}</th>
                        <th scope="col">{t!(i18n, near_first)}</th>
                        <th scope="col">{t!(i18n, near_last)}</th>
                        <th scope="col">{t!(i18n, near_pings)}</th>
                        <th scope="col"><span class="sr-only">{t!(i18n, near_track)}</span></th>
                    </tr></thead>
                    <tbody>
                        {v.officers.iter().map(|o| {
                            let href = format!("/officers/{}/track?from={}&to={}", o.badge, from_input, to_input);
                            view! {
                                <tr data-badge=o.badge.clone()>
                                    <td><a href=format!("/officers/{}", o.badge)>{o.badge.clone()}</a></td>
                                    <td>{o.officer.clone()}</td>
                                    <td>{format!("{:.0} m", o.closest_m)}</td>
                                    <td class="nowrap">{o.first.clone()}</td>
                                    <td class="nowrap">{o.last.clone()}</td>
                                    <td>{o.pings}</td>
                                    <td><a href=href data-testid="near-track-link">{t!(i18n, near_track)}</a></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}
