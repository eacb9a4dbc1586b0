//! The server functions: each asks the policy first (`crate::rpc`).

use super::*;

/// The footage of an officer's vehicles while assigned to them, or of a
/// vehicle, in `[from, to)` (local times like `2026-11-21T06:00`). Audited
/// as a sensitive read.
#[server(prefix = "/rpc", endpoint = "list_footage")]
pub async fn list_footage(
    officer: Option<String>,
    vehicle: Option<String>,
    from: String,
    to: String,
) -> Result<FootageView, AppError> {
    use crate::policy::Object;
    use crate::time::parse_instant as instant;
    let officer = officer
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty());
    let vehicle = vehicle
        .map(|v| v.trim().to_uppercase())
        .filter(|v| !v.is_empty());
    // Whose footage it is, is what the policy decides on: an officer's
    // (who rode where is an officer record) or a vehicle's.
    let target = (officer.clone(), vehicle.clone());
    let object = match &target {
        (Some(badge), None) => Object::Officer(badge),
        (None, Some(plate)) => Object::Vehicle(plate),
        _ => Object::Any,
    };
    crate::rpc::call_on(act::ReadFootage, object, |cx| async move {
        let from_ms = instant(&from).map_err(|r| AppError::validation(Field::From, r))?;
        let to_ms = instant(&to).map_err(|r| AppError::validation(Field::To, r))?;
        if to_ms <= from_ms {
            return Err(AppError::validation(Field::To, Problem::EndsBeforeStart));
        }
        if to_ms - from_ms > MAX_WINDOW_MS {
            return Err(AppError::validation(
                Field::To,
                Problem::WindowTooLong { days: 7 },
            ));
        }
        let whose = match (&officer, &vehicle) {
            (Some(badge), None) => store::Whose::Officer(badge.as_str()),
            (None, Some(plate)) => store::Whose::Vehicle(plate.as_str()),
            _ => {
                return Err(AppError::validation(
                    Field::Officer,
                    Problem::OfficerOrVehicle,
                ))
            }
        };
        store::list(&cx.state.db, &cx.permit, &cx.ip, whose, from_ms, to_ms).await
    })
    .await
}

/// Reads a segment's file under the configured footage folder, computes
/// its SHA-256, compares it with the stored one and records the result
/// (on the segment and in the audit trail).
#[server(prefix = "/rpc", endpoint = "verify_segment")]
pub async fn verify_segment(segment: String) -> Result<Verification, AppError> {
    crate::rpc::call(act::VerifyFootage, |cx| async move {
        store::verify(
            &cx.state.db,
            &cx.permit,
            &cx.ip,
            cx.state.footage_root.as_deref(),
            segment.trim(),
        )
        .await
    })
    .await
}
