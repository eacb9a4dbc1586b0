//! The fleet: what the camera control center sends (heartbeats, footage
//! references) and the camera-health views.

pub mod board;
pub mod coverage;
#[cfg(feature = "ssr")]
pub mod ingest;
#[cfg(feature = "ssr")]
pub mod live;
pub mod sla;
pub mod vehicle;

/// Permits whose holder may read camera health and footage coverage: the
/// fleet's readers, the SLA report's, and readers of officer files (an
/// officer's coverage during their shifts).
#[cfg(feature = "ssr")]
pub trait ReadsCoverage: crate::policy::ActionKind {}
#[cfg(feature = "ssr")]
impl ReadsCoverage for crate::policy::act::ReadFleet {}
#[cfg(feature = "ssr")]
impl ReadsCoverage for crate::policy::act::ReadSlaReports {}
#[cfg(feature = "ssr")]
impl ReadsCoverage for crate::policy::act::ReadOfficers {}
