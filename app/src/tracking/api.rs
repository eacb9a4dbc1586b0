//! The server functions: each asks the policy first (`crate::rpc`).

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::Field;
#[cfg(feature = "ssr")]
use crate::problem::Problem;

use super::{NearView, TrackView};

/// `from` and `to` (RFC 3339, or Guatemala time like `2026-11-21T06:00`
/// as the form sends it), `to` after `from`, at most `max_hours` apart.
#[cfg(feature = "ssr")]
pub fn window(from: &str, to: &str, max_hours: u32) -> Result<(i64, i64), AppError> {
    use crate::time::parse_instant as instant;
    let from = instant(from).map_err(|r| AppError::validation(Field::From, r))?;
    let to = instant(to).map_err(|r| AppError::validation(Field::To, r))?;
    if to <= from {
        return Err(AppError::validation(Field::To, Problem::EndsBeforeStart));
    }
    if to - from > i64::from(max_hours) * 3_600_000 {
        let problem = if max_hours % 24 == 0 && max_hours > 24 {
            Problem::WindowTooLong {
                days: max_hours / 24,
            }
        } else {
            Problem::WindowTooLongHours { hours: max_hours }
        };
        return Err(AppError::validation(Field::To, problem));
    }
    Ok((from, to))
}

/// A number in `range`, or why not, naming `field`.
#[cfg(feature = "ssr")]
fn number(field: Field, text: &str, range: std::ops::RangeInclusive<f64>) -> Result<f64, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::validation(field, Problem::Required));
    }
    let value: f64 = text
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| {
            AppError::validation(
                field,
                Problem::NotANumber {
                    given: text.to_string(),
                },
            )
        })?;
    if !range.contains(&value) {
        return Err(AppError::validation(
            field,
            Problem::OutsideRange {
                given: text.to_string(),
                range: format!("{}–{}", range.start(), range.end()),
            },
        ));
    }
    Ok(value)
}

/// An officer's badge track over a window (at most 31 days), with the
/// shifts, the gaps and the jumps; audited as a sensitive read.
#[server(prefix = "/rpc", endpoint = "officer_track")]
pub async fn officer_track(badge: String, from: String, to: String) -> Result<TrackView, AppError> {
    use crate::policy::{act, Object};
    let badge = badge.trim().to_string();
    let subject = badge.clone();
    crate::rpc::call_on(
        act::ReadTracks,
        Object::Officer(&subject),
        |cx| async move {
            let (from, to) = window(&from, &to, super::MAX_TRACK_DAYS * 24)?;
            let mut track = super::store::read_track(
                &cx.state.db,
                &cx.permit,
                &cx.ip,
                &badge,
                from,
                to,
                cx.state.tracking,
            )
            .await?;
            track.map = super::map::with_tiles(track.map, cx.state.map_tiles.as_ref());
            Ok(track)
        },
    )
    .await
}

/// Every officer whose badge came within `radius` metres (at most 5,000)
/// of a place in a window (at most 24 hours); audited.
#[server(prefix = "/rpc", endpoint = "tracking_near")]
pub async fn tracking_near(
    lat: String,
    lon: String,
    radius: String,
    from: String,
    to: String,
) -> Result<NearView, AppError> {
    use crate::policy::act;
    crate::rpc::call(act::ReadTracks, |cx| async move {
        let lat = number(Field::Lat, &lat, -90.0..=90.0)?;
        let lon = number(Field::Lon, &lon, -180.0..=180.0)?;
        let radius = number(
            Field::Radius,
            &radius,
            1.0..=f64::from(super::MAX_NEAR_RADIUS_M),
        )?;
        let (from, to) = window(&from, &to, super::MAX_NEAR_HOURS)?;
        let mut near = super::store::near(
            &cx.state.db,
            &cx.permit,
            &cx.ip,
            lat,
            lon,
            radius.round() as u32,
            from,
            to,
        )
        .await?;
        near.map = super::map::with_tiles(near.map, cx.state.map_tiles.as_ref());
        Ok(near)
    })
    .await
}

/// The country's map, for the proximity page before a search (a click on
/// it chooses the place).
#[server(prefix = "/rpc", endpoint = "tracking_map")]
pub async fn tracking_map() -> Result<super::MapView, AppError> {
    use crate::policy::act;
    crate::rpc::call(act::ReadTracks, |cx| async move {
        Ok(super::map::with_tiles(
            super::store::country_map(),
            cx.state.map_tiles.as_ref(),
        ))
    })
    .await
}
