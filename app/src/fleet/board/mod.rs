//! Camera health and the fleet board: each camera's state from its last
//! heartbeat and its last footage, every vehicle with its two cameras,
//! filtered by region and state, refreshed without a reload.

use crate::error::{AppError, ErrorMessage};
#[cfg(feature = "ssr")]
use crate::error::{Field, Problem};
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
    /// The badges its crew wear now (a car on shift)…
    pub badges: u32,
    /// …and those of them silent for longer than the setting, or never
    /// heard.
    pub silent_badges: Vec<SilentBadge>,
}

/// A crew member's badge silent during their shift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SilentBadge {
    /// The wearer's badge number: empty for a reader who may not read
    /// officers (a monitor sees how many, not whose).
    pub badge_number: String,
    /// When the chip last spoke, UTC ms.
    pub last_ping_at: Option<i64>,
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
    fn urgency(&self) -> (bool, usize, usize) {
        let worst = self.worst();
        let silent = self.silent_badges.len();
        (self.on_shift && (worst > 0 || silent > 0), worst, silent)
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
    /// Badges silent now during their wearer's shift, in the region asked
    /// for, and after how long a badge counts as silent.
    pub silent_badges: i64,
    pub badge_silent_after_minutes: u32,
    /// (code, name) of every region, for the filter.
    pub regions: Vec<(String, String)>,
    /// Vehicles that match, trouble first.
    pub vehicles: Vec<VehicleHealth>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

pub const BOARD_PAGE_SIZE: usize = 100;

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
