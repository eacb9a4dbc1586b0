//! Footage coverage as people read it: a vehicle's page (its cameras and
//! its shifts' coverage), the line on an officer's file, and the list of
//! the vehicles and officers with the most time uncovered.

use super::board::CameraHealth;
use crate::codes::AssignmentRole;
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

mod views;
pub use views::*;

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
    /// When it was computed, in the configured zone.
    pub at_local: String,
    pub vehicles: Vec<CoverageLine>,
    /// `None` for readers without officer files (monitors).
    pub officers: Option<Vec<CoverageLine>>,
}

pub const REPORT_ROWS: usize = 20;

/// `3 h 05 min`.
pub fn duration(ms: i64) -> String {
    let minutes = ms / 60_000;
    if minutes >= 60 {
        format!("{} h {:02} min", minutes / 60, minutes % 60)
    } else {
        format!("{minutes} min")
    }
}
