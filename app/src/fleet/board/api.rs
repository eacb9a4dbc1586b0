//! The server functions: each asks the policy first (`crate::rpc`).

use super::*;

/// The fleet board: every vehicle with its cameras' states and its crew's
/// silent badges, filtered by region (code), camera state, duty (`on`: a
/// car with an officer assigned now, `off`: the others) and badges
/// (`silent`: a car whose crew has a badge silent now). Whose badges are
/// silent only for those who may read officers.
#[server(prefix = "/rpc", endpoint = "fleet_board")]
pub async fn fleet_board(
    region: Option<String>,
    state: Option<String>,
    duty: Option<String>,
    badges: Option<String>,
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
        let only_silent_badges = match badges.as_deref().unwrap_or("") {
            "" => false,
            "silent" => true,
            other => {
                return Err(AppError::validation(
                    Field::Badges,
                    Problem::not_one_of(other, &["silent"]),
                ))
            }
        };
        let region = region.filter(|r| !r.is_empty());
        let board = store::board(
            &cx.state.db,
            &cx.state.caches,
            &cx.permit,
            cx.state.camera_silent_ms,
        )
        .await?;
        let now = board.at;
        let regions = board.regions.clone();
        let names = cx.permit.sees_crews();
        let in_region: Vec<VehicleHealth> = board
            .vehicles
            .iter()
            .filter(|v| region.as_ref().is_none_or(|r| &v.region == r))
            .cloned()
            .map(|mut v| {
                if !names {
                    for b in &mut v.silent_badges {
                        b.badge_number.clear();
                    }
                }
                v
            })
            .collect();
        let silent_badges = in_region.iter().map(|v| v.silent_badges.len() as i64).sum();
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
            .filter(|v| !only_silent_badges || !v.silent_badges.is_empty())
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
            at_local: crate::time::local_minute_zoned(now),
            silent_after_minutes: cx.state.camera_silent_ms / 60_000,
            counts,
            on_shift: on_shift_total,
            silent_badges,
            badge_silent_after_minutes: cx.state.tracking.silent_minutes,
            regions,
            vehicles,
            total,
            page,
            pages,
        })
    })
    .await
}
