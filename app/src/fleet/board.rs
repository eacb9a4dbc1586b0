//! Camera health and the fleet board: each camera's state from its last
//! heartbeat and its last footage, every vehicle with its two cameras,
//! filtered by region and state, refreshed without a reload.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorMessage};
#[cfg(feature = "ssr")]
use crate::error::{Field, Problem};
use crate::i18n::*;
#[cfg(feature = "ssr")]
use crate::policy::act;

/// What the board says of a camera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CameraState {
    Online,
    Offline,
    Tamper,
    StorageFault,
    /// Nothing heard (no heartbeat, no footage) for longer than the
    /// configured time, or never.
    Silent,
}

impl CameraState {
    /// In the order the board shows them: the worst last.
    pub const ALL: &'static [CameraState] = &[
        CameraState::Online,
        CameraState::Offline,
        CameraState::StorageFault,
        CameraState::Tamper,
        CameraState::Silent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CameraState::Online => "online",
            CameraState::Offline => "offline",
            CameraState::Tamper => "tamper",
            CameraState::StorageFault => "storage_fault",
            CameraState::Silent => "silent",
        }
    }

    pub fn parse(s: &str) -> Option<CameraState> {
        CameraState::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

/// A camera's state now, from what is known of it: its last heartbeat's
/// status and time, and the end of its last footage segment.
///
/// Not heard from for longer than `silent_after_ms` (or never): silent.
/// Footage newer than an `offline` heartbeat means it came back: online.
/// Otherwise its last heartbeat says; footage alone means online.
pub fn camera_state(
    last_status: Option<&str>,
    last_status_at: Option<i64>,
    last_footage_at: Option<i64>,
    now: i64,
    silent_after_ms: i64,
) -> CameraState {
    let heard = last_status_at.max(last_footage_at);
    match heard {
        None => return CameraState::Silent,
        Some(t) if now - t > silent_after_ms => return CameraState::Silent,
        Some(_) => {}
    }
    let footage_since =
        |status_at: Option<i64>| last_footage_at.is_some_and(|f| status_at.is_none_or(|s| f > s));
    match last_status.and_then(CameraState::parse) {
        Some(CameraState::Offline) if footage_since(last_status_at) => CameraState::Online,
        Some(state) => state,
        None => CameraState::Online,
    }
}

/// One camera on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraHealth {
    pub state: CameraState,
    /// Last heartbeat or footage, UTC ms.
    pub last_heard_at: Option<i64>,
}

/// One vehicle on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleHealth {
    pub plate: String,
    pub station: String,
    pub region: String,
    pub cabin: Option<CameraHealth>,
    pub forward: Option<CameraHealth>,
    /// An officer is assigned to it now: its cameras should be recording.
    pub on_shift: bool,
}

// Used by the server function's body only (absent from the browser build).
#[cfg(feature = "ssr")]
impl VehicleHealth {
    fn cameras(&self) -> impl Iterator<Item = &CameraHealth> {
        self.cabin.iter().chain(self.forward.iter())
    }

    /// How bad its worst camera is.
    fn worst(&self) -> usize {
        self.cameras()
            .map(|c| {
                CameraState::ALL
                    .iter()
                    .position(|s| *s == c.state)
                    .unwrap_or(0)
            })
            .max()
            .unwrap_or(CameraState::ALL.len())
    }

    /// Its place on the board, highest first: trouble on a car on shift
    /// (footage being lost now), then trouble elsewhere (a parked car's
    /// silent camera is expected), worst first in each.
    fn urgency(&self) -> (bool, usize) {
        let worst = self.worst();
        (self.on_shift && worst > 0, worst)
    }
}

/// The board: counts of cameras by state, and a page of vehicles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardView {
    /// When the board was read, UTC ms.
    pub at: i64,
    /// The same, as the page shows it: local time and zone, `2026-11-21 14:05 CST`.
    pub at_local: String,
    pub silent_after_minutes: i64,
    /// (state, cameras in it), in the region asked for.
    pub counts: Vec<(CameraState, i64)>,
    /// Of the vehicles that match, those with an officer assigned now.
    pub on_shift: i64,
    /// (code, name) of every region, for the filter.
    pub regions: Vec<(String, String)>,
    /// Vehicles that match, trouble first.
    pub vehicles: Vec<VehicleHealth>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

pub const BOARD_PAGE_SIZE: usize = 100;

/// The fleet board: every vehicle with its cameras' states, filtered by
/// region (code), camera state and duty (`on`: a car with an officer
/// assigned now, `off`: the others).
#[server(prefix = "/rpc", endpoint = "fleet_board")]
pub async fn fleet_board(
    region: Option<String>,
    state: Option<String>,
    duty: Option<String>,
    page: Option<i64>,
) -> Result<BoardView, AppError> {
    crate::rpc::call(act::ReadFleet, |cx| async move {
        let wanted = match state.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(CameraState::parse(s).ok_or_else(|| {
                AppError::validation(
                    Field::State,
                    Problem::not_one_of(
                        s,
                        &CameraState::ALL
                            .iter()
                            .map(|c| c.as_str())
                            .collect::<Vec<_>>(),
                    ),
                )
            })?),
        };
        let on_shift = match duty.as_deref().unwrap_or("") {
            "" => None,
            "on" => Some(true),
            "off" => Some(false),
            other => {
                return Err(AppError::validation(
                    Field::Duty,
                    Problem::not_one_of(other, &["on", "off"]),
                ))
            }
        };
        let region = region.filter(|r| !r.is_empty());
        let now = crate::time::now_ms();
        let (regions, vehicles) =
            store::read_board(&cx.state.db, &cx.permit, now, cx.state.camera_silent_ms).await?;
        let in_region: Vec<VehicleHealth> = vehicles
            .into_iter()
            .filter(|v| region.as_ref().is_none_or(|r| &v.region == r))
            .collect();
        let counts = CameraState::ALL
            .iter()
            .map(|s| {
                let n = in_region
                    .iter()
                    .flat_map(|v| v.cameras())
                    .filter(|c| c.state == *s)
                    .count();
                (*s, n as i64)
            })
            .collect();
        let mut matching: Vec<VehicleHealth> = in_region
            .into_iter()
            .filter(|v| wanted.is_none_or(|w| v.cameras().any(|c| c.state == w)))
            .filter(|v| on_shift.is_none_or(|d| v.on_shift == d))
            .collect();
        // Trouble first (a stable sort keeps plates in order within).
        matching.sort_by_key(|v| std::cmp::Reverse(v.urgency()));
        let on_shift_total = matching.iter().filter(|v| v.on_shift).count() as i64;
        let total = matching.len() as i64;
        let pages = ((total as usize).div_ceil(BOARD_PAGE_SIZE)).max(1) as i64;
        let page = page.unwrap_or(1).clamp(1, pages);
        let vehicles = matching
            .into_iter()
            .skip((page as usize - 1) * BOARD_PAGE_SIZE)
            .take(BOARD_PAGE_SIZE)
            .collect();
        Ok(BoardView {
            at: now,
            at_local: format!(
                "{} {}",
                crate::time::local_minute(now),
                crate::time::zone_label(now)
            ),
            silent_after_minutes: cx.state.camera_silent_ms / 60_000,
            counts,
            on_shift: on_shift_total,
            regions,
            vehicles,
            total,
            page,
            pages,
        })
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod store {
    use sqlx::Row;

    use super::{camera_state, CameraHealth, VehicleHealth};
    use crate::error::AppError;
    use crate::policy::Permit;
    use crate::store::Db;

    /// Every region, and every vehicle with its cameras' states, by plate.
    /// Takes the reader's [`Actor`] (`ReadFleet`).
    pub async fn read_board<A: crate::fleet::ReadsCoverage>(
        db: &Db,
        _reader: &Permit<A>,
        now: i64,
        silent_after_ms: i64,
    ) -> Result<(Vec<(String, String)>, Vec<VehicleHealth>), AppError> {
        let regions =
            sqlx::query("SELECT code, name FROM units WHERE kind = 'region' ORDER BY code")
                .fetch_all(db.pool())
                .await?
                .iter()
                .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
                .collect::<Result<Vec<_>, _>>()?;
        let vehicles = read_vehicles(db, _reader, None, now, silent_after_ms).await?;
        Ok((regions, vehicles))
    }

    /// Every vehicle (or the one of `plate`) with its cameras' states, by
    /// plate. Takes the reader's [`Actor`] (`ReadFleet`).
    pub async fn read_vehicles<A: crate::fleet::ReadsCoverage>(
        db: &Db,
        _reader: &Permit<A>,
        plate: Option<&str>,
        now: i64,
        silent_after_ms: i64,
    ) -> Result<Vec<VehicleHealth>, AppError> {
        // A car belongs to a station (its region is the station's parent)
        // or straight to a region. It is on shift while an assignment
        // holds now (shifts last at most a day, which bounds the look-up).
        let sql = format!(
            "SELECT v.plate, u.name, CASE WHEN u.kind = 'region' THEN u.code ELSE COALESCE(r.code, '') END, \
                    c.placement, c.last_status, c.last_status_at, c.last_footage_at, \
                    CAST(CASE WHEN EXISTS (SELECT 1 FROM vehicle_assignments a WHERE a.vehicle_id = v.id \
                        AND a.starts_at <= $1 AND a.starts_at > $1 - 86400000 AND a.ends_at > $1) \
                        THEN 1 ELSE 0 END AS BIGINT) \
             FROM vehicles v JOIN units u ON u.id = v.unit_id LEFT JOIN units r ON r.id = u.parent_id \
             LEFT JOIN cameras c ON c.vehicle_id = v.id {} \
             ORDER BY v.plate",
            if plate.is_some() { "WHERE v.plate = $2" } else { "" }
        );
        let mut query = sqlx::query(&sql).bind(now);
        if let Some(plate) = plate {
            query = query.bind(plate);
        }
        let rows = query.fetch_all(db.pool()).await?;
        let mut vehicles: Vec<VehicleHealth> = Vec::new();
        for row in &rows {
            let plate: String = row.try_get(0)?;
            if vehicles.last().is_none_or(|v| v.plate != plate) {
                vehicles.push(VehicleHealth {
                    plate: plate.clone(),
                    station: row.try_get(1)?,
                    region: row.try_get(2)?,
                    cabin: None,
                    forward: None,
                    on_shift: row.try_get::<i64, _>(7)? == 1,
                });
            }
            let placement: Option<String> = row.try_get(3)?;
            let Some(placement) = placement else { continue };
            let status: Option<String> = row.try_get(4)?;
            let status_at: Option<i64> = row.try_get(5)?;
            let footage_at: Option<i64> = row.try_get(6)?;
            let health = CameraHealth {
                state: camera_state(
                    status.as_deref(),
                    status_at,
                    footage_at,
                    now,
                    silent_after_ms,
                ),
                last_heard_at: status_at.max(footage_at),
            };
            let v = vehicles.last_mut().expect("pushed above");
            if placement == "cabin" {
                v.cabin = Some(health);
            } else {
                v.forward = Some(health);
            }
        }
        Ok(vehicles)
    }
}

pub(crate) fn state_label(i18n: leptos_i18n::I18nContext<Locale>, s: CameraState) -> String {
    match s {
        CameraState::Online => t_string!(i18n, camera_online),
        CameraState::Offline => t_string!(i18n, camera_offline),
        CameraState::Tamper => t_string!(i18n, camera_tamper),
        CameraState::StorageFault => t_string!(i18n, camera_storage_fault),
        CameraState::Silent => t_string!(i18n, camera_silent),
    }
    .to_string()
}

/// How long ago, in words a monitor reads at a glance: `4 min`, `3 h`, `2 d`.
fn ago(now: i64, at: Option<i64>) -> String {
    match at {
        None => "—".into(),
        Some(t) => {
            let minutes = (now - t).max(0) / 60_000;
            if minutes < 60 {
                format!("{minutes} min")
            } else if minutes < 48 * 60 {
                format!("{} h", minutes / 60)
            } else {
                format!("{} d", minutes / 1_440)
            }
        }
    }
}

/// Seconds between the board's refreshes.
const REFRESH_SECONDS: u64 = 15;

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
                                <p class="muted" aria-live="polite" data-testid="fleet-updated">
                                    {t!(i18n, fleet_updated)} " " {b.at_local.clone()} " · "
                                    {t!(i18n, fleet_silent_after, minutes = move || b.silent_after_minutes)}
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
                                    <button type="submit" class="primary">{t!(i18n, fleet_filter)}</button>
                                </Form>
                                <p class="muted" data-testid="fleet-total">{t!(i18n, fleet_total, count = move || crate::format::format_count(b.total), on_shift = move || crate::format::format_count(b.on_shift))}</p>
                                <table class="table fleet" data-testid="fleet-table">
                                    <thead><tr>
                                        <th scope="col">{t!(i18n, fleet_vehicle)}</th>
                                        <th scope="col">{t!(i18n, fleet_station)}</th>
                                        <th scope="col">{t!(i18n, fleet_cabin)}</th>
                                        <th scope="col">{t!(i18n, fleet_forward)}</th>
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

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn a_camera_is_silent_when_nothing_was_heard_for_too_long() {
        let now = 1_000 * MIN;
        assert_eq!(
            camera_state(None, None, None, now, 10 * MIN),
            CameraState::Silent
        );
        assert_eq!(
            camera_state(Some("online"), Some(now - 11 * MIN), None, now, 10 * MIN),
            CameraState::Silent
        );
        // Footage keeps it heard even when heartbeats stopped.
        assert_eq!(
            camera_state(
                Some("online"),
                Some(now - 60 * MIN),
                Some(now - 2 * MIN),
                now,
                10 * MIN
            ),
            CameraState::Online
        );
        assert_eq!(
            camera_state(Some("online"), Some(now - 10 * MIN), None, now, 10 * MIN),
            CameraState::Online
        );
    }

    #[test]
    fn the_last_heartbeat_says_unless_footage_came_after_offline() {
        let now = 1_000 * MIN;
        let s = |status, at, footage: Option<i64>| {
            camera_state(
                Some(status),
                Some(now - at * MIN),
                footage.map(|f: i64| now - f * MIN),
                now,
                10 * MIN,
            )
        };
        assert_eq!(s("tamper", 1, Some(0)), CameraState::Tamper);
        assert_eq!(s("storage_fault", 1, None), CameraState::StorageFault);
        assert_eq!(s("offline", 3, Some(5)), CameraState::Offline);
        assert_eq!(s("offline", 5, Some(1)), CameraState::Online);
        assert_eq!(
            camera_state(None, None, Some(now - MIN), now, 10 * MIN),
            CameraState::Online
        );
    }
}
