//! Footage for investigators: for an officer (through the vehicles they
//! were assigned to) or a vehicle, and a time window, the segments of its
//! cameras, cabin and forward side by side on one time axis. Every listing
//! is a sensitive read, written to the audit trail.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::codes::VerifyResult;
#[cfg(feature = "ssr")]
use crate::error::Field;
use crate::error::{AppError, ErrorMessage, Problem};
use crate::i18n::*;
#[cfg(feature = "ssr")]
use crate::policy::act;

/// One footage-segment reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentRow {
    pub segment: String,
    pub from_ms: i64,
    pub to_ms: i64,
    /// Guatemala time, `2026-11-21 14:05`.
    pub start: String,
    pub end: String,
    pub uri: String,
    pub bytes: i64,
    pub sha256: String,
    /// The last check of its file: `match`, `mismatch`, `unreadable`.
    pub verified: Option<String>,
}

/// One camera's segments in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lane {
    pub plate: String,
    pub placement: String,
    pub segments: Vec<SegmentRow>,
}

/// What the footage page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FootageView {
    /// What was asked for: `officer 10417` or `vehicle PNC-0451`.
    pub subject: String,
    pub from_ms: i64,
    pub to_ms: i64,
    /// The window's ends in Guatemala time, for the axis.
    pub from: String,
    pub to: String,
    pub lanes: Vec<Lane>,
    pub segments: i64,
}

/// The longest window one listing may cover.
pub const MAX_WINDOW_MS: i64 = 7 * 86_400_000;

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

#[cfg(feature = "ssr")]
pub mod store {
    use std::collections::BTreeMap;

    use serde_json::json;
    use sqlx::Row;

    use super::{FootageView, Lane, SegmentRow};
    use crate::audit::{AuditAction, AuditEntry};
    use crate::codes::VerifyResult;
    use crate::error::{AppError, Field, Problem};
    use crate::fleet::coverage::Span;
    use crate::policy::{act, Permit};
    use crate::store::Db;
    use crate::time::local_minute as local_time;

    #[derive(Debug, Clone, Copy)]
    pub enum Whose<'a> {
        Officer(&'a str),
        Vehicle(&'a str),
    }

    const DAY: i64 = 86_400_000;

    /// The file a segment's URI names under `root`: `file:///…` (inside
    /// `root`), `s3://bucket/key` as `root/bucket/key`, or a relative path.
    /// Nothing outside `root` is ever read.
    pub fn local_path(root: &std::path::Path, uri: &str) -> Result<std::path::PathBuf, Problem> {
        use std::path::{Component, Path};
        let outside = || Problem::FootageOutsideFolder {
            uri: uri.to_string(),
        };
        let relative = if let Some(path) = uri.strip_prefix("file://") {
            let path = Path::new(path);
            path.strip_prefix(root)
                .map_err(|_| outside())?
                .to_path_buf()
        } else if let Some(key) = uri.strip_prefix("s3://") {
            Path::new(key).to_path_buf()
        } else if uri.contains("://") {
            return Err(Problem::FootageNotLocal {
                uri: uri.to_string(),
            });
        } else {
            Path::new(uri).to_path_buf()
        };
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(outside());
        }
        Ok(root.join(relative))
    }

    /// The SHA-256 of a file, read in pieces (files are hundreds of MB).
    fn sha256_of(path: &std::path::Path, root: &std::path::Path) -> Result<String, Problem> {
        use sha2::{Digest, Sha256};
        use std::io::Read;
        let unreadable = |e: std::io::Error| Problem::FootageUnreadable {
            error: e.to_string(),
        };
        // Symbolic links must not lead out of the folder.
        let real = path.canonicalize().map_err(unreadable)?;
        let real_root = root
            .canonicalize()
            .map_err(|e| Problem::FootageFolderUnreadable {
                error: e.to_string(),
            })?;
        if !real.starts_with(&real_root) {
            return Err(Problem::FootageOutsideFolder {
                uri: path.display().to_string(),
            });
        }
        let mut file = std::fs::File::open(&real).map_err(unreadable)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut buf).map_err(unreadable)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        Ok(hex::encode(hasher.finalize()))
    }

    /// Checks one segment's file and records what was found.
    pub async fn verify(
        db: &Db,
        actor: &Permit<act::VerifyFootage>,
        ip: &str,
        root: Option<&std::path::Path>,
        segment: &str,
    ) -> Result<super::Verification, AppError> {
        let row = sqlx::query("SELECT uri, sha256 FROM footage_segments WHERE segment = $1")
            .bind(segment)
            .fetch_optional(db.pool())
            .await?
            .ok_or_else(|| {
                AppError::validation(
                    Field::Segment,
                    Problem::NoSegment {
                        segment: segment.to_string(),
                    },
                )
            })?;
        let (uri, stored): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        let root = root
            .map(std::path::Path::to_path_buf)
            .ok_or(AppError::Unavailable(Problem::NoFootageRoot))?;
        let uri_ = uri.clone();
        let computed = tokio::task::spawn_blocking(move || {
            local_path(&root, &uri_).and_then(|p| sha256_of(&p, &root))
        })
        .await
        .map_err(|_| AppError::Internal)?;
        let (result, computed, detail) = match computed {
            Ok(sha) if sha == stored => (VerifyResult::Match, Some(sha), None),
            Ok(sha) => (VerifyResult::Mismatch, Some(sha), None),
            Err(why) => (VerifyResult::Unreadable, None, Some(why)),
        };
        let mut tx = crate::audit::AuditedTx::begin(db, actor).await?;
        sqlx::query(
            "UPDATE footage_segments SET verified_at = $1, verify_result = $2 WHERE segment = $3",
        )
        .bind(crate::time::now_ms())
        .bind(result.as_str())
        .bind(segment)
        .execute(tx.conn())
        .await?;
        tx.audit(&AuditEntry {
            action: AuditAction::FootageVerified,
            object_type: "footage_segment",
            object_id: segment.to_string(),
            outcome: "ok",
            ip: ip.to_string(),
            details: json!({ "result": result, "uri": uri, "stored_sha256": stored, "computed_sha256": computed, "detail": detail.as_ref().map(Problem::english) }),
        })
        .await?;
        tx.commit().await?;
        Ok(super::Verification {
            segment: segment.to_string(),
            result,
            computed,
            detail,
        })
    }

    /// The segments, by camera, and the audit record of the reading: the
    /// listing is returned only once its record is written.
    pub async fn list(
        db: &Db,
        reader: &Permit<act::ReadFootage>,
        ip: &str,
        whose: Whose<'_>,
        from: i64,
        to: i64,
    ) -> Result<FootageView, AppError> {
        let window = Span { from, to };
        // The (vehicle, span) pairs to read: the window itself for a
        // vehicle; each assignment's part of it for an officer.
        let mut spans: Vec<(String, Span)> = Vec::new();
        let subject = match whose {
            Whose::Vehicle(plate) => {
                let known: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM vehicles WHERE plate = $1")
                        .bind(plate)
                        .fetch_optional(db.pool())
                        .await?;
                if known.is_none() {
                    return Err(AppError::validation(
                        Field::Vehicle,
                        Problem::NoVehicle {
                            plate: plate.to_string(),
                        },
                    ));
                }
                spans.push((plate.to_string(), window));
                format!("vehicle {plate}")
            }
            Whose::Officer(badge) => {
                let known: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM officers WHERE badge_number = $1")
                        .bind(badge)
                        .fetch_optional(db.pool())
                        .await?;
                if known.is_none() {
                    return Err(AppError::validation(
                        Field::Officer,
                        Problem::NoOfficer {
                            badge: badge.to_string(),
                        },
                    ));
                }
                for r in sqlx::query(
                    "SELECT v.plate, a.starts_at, a.ends_at FROM vehicle_assignments a \
                     JOIN vehicles v ON v.id = a.vehicle_id JOIN officers o ON o.id = a.officer_id \
                     WHERE o.badge_number = $1 AND a.starts_at < $3 AND a.ends_at > $2 ORDER BY a.starts_at",
                )
                .bind(badge)
                .bind(from)
                .bind(to)
                .fetch_all(db.pool())
                .await?
                {
                    let span = Span {
                        from: r.try_get::<i64, _>(1)?.max(from),
                        to: r.try_get::<i64, _>(2)?.min(to),
                    };
                    spans.push((r.try_get(0)?, span));
                }
                format!("officer {badge}")
            }
        };
        let mut lanes: BTreeMap<(String, String), Vec<SegmentRow>> = BTreeMap::new();
        for (plate, span) in &spans {
            for placement in ["cabin", "forward"] {
                lanes
                    .entry((plate.clone(), placement.to_string()))
                    .or_default();
            }
            let rows = sqlx::query(
                "SELECT c.placement, f.segment, f.starts_at, f.ends_at, f.uri, f.bytes, f.sha256, f.verify_result \
                 FROM footage_segments f JOIN cameras c ON c.id = f.camera_id JOIN vehicles v ON v.id = c.vehicle_id \
                 WHERE v.plate = $1 AND f.starts_at >= $2 AND f.starts_at < $3 AND f.ends_at > $4 \
                 ORDER BY f.starts_at, c.placement",
            )
            .bind(plate)
            .bind(span.from - DAY)
            .bind(span.to)
            .bind(span.from)
            .fetch_all(db.pool())
            .await?;
            for r in rows {
                let (from_ms, to_ms): (i64, i64) = (r.try_get(2)?, r.try_get(3)?);
                lanes
                    .entry((plate.clone(), r.try_get(0)?))
                    .or_default()
                    .push(SegmentRow {
                        segment: r.try_get(1)?,
                        from_ms,
                        to_ms,
                        start: local_time(from_ms),
                        end: local_time(to_ms),
                        uri: r.try_get(4)?,
                        bytes: r.try_get(5)?,
                        sha256: r.try_get(6)?,
                        verified: r.try_get(7)?,
                    });
            }
        }
        let lanes: Vec<Lane> = lanes
            .into_iter()
            .map(|((plate, placement), mut segments)| {
                segments.dedup_by(|a, b| a.segment == b.segment);
                Lane {
                    plate,
                    placement,
                    segments,
                }
            })
            .collect();
        let segments = lanes.iter().map(|l| l.segments.len() as i64).sum();
        crate::audit::record(
            db,
            reader,
            &AuditEntry {
                action: AuditAction::FootageRead,
                object_type: match whose {
                    Whose::Officer(_) => "officer",
                    Whose::Vehicle(_) => "vehicle",
                },
                object_id: match whose {
                    Whose::Officer(b) => b.to_string(),
                    Whose::Vehicle(p) => p.to_string(),
                },
                outcome: "ok",
                ip: ip.to_string(),
                details: json!({ "from": from, "to": to, "segments": segments }),
            },
        )
        .await?;
        Ok(FootageView {
            subject,
            from_ms: from,
            to_ms: to,
            from: local_time(from),
            to: local_time(to),
            lanes,
            segments,
        })
    }

    #[cfg(test)]
    mod tests {
        use super::local_path;
        use std::path::Path;

        #[test]
        fn only_files_under_the_footage_folder_are_read() {
            let root = Path::new("/srv/footage");
            assert_eq!(
                local_path(root, "s3://pnc-footage/2026/a.mp4").unwrap(),
                Path::new("/srv/footage/pnc-footage/2026/a.mp4")
            );
            assert_eq!(
                local_path(root, "file:///srv/footage/x/a.mp4").unwrap(),
                Path::new("/srv/footage/x/a.mp4")
            );
            assert_eq!(
                local_path(root, "x/a.mp4").unwrap(),
                Path::new("/srv/footage/x/a.mp4")
            );
            for bad in [
                "file:///etc/passwd",
                "s3://b/../../etc/passwd",
                "../a.mp4",
                "/etc/passwd",
                "https://cdn/x.mp4",
            ] {
                assert!(local_path(root, bad).is_err(), "{bad}");
            }
        }
    }
}

/// What checking a segment's file found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub segment: String,
    pub result: VerifyResult,
    /// The SHA-256 of the file as read now, if it could be read.
    pub computed: Option<String>,
    /// Why it could not be read, if so.
    pub detail: Option<Problem>,
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

/// `/footage?officer=10417&from=…&to=…` (or `vehicle=PNC-0451`).
#[component]
pub fn FootagePage() -> impl IntoView {
    use leptos_router::components::Form;
    use leptos_router::hooks::use_query_map;

    let i18n = use_i18n();
    let query = use_query_map();
    let param = move |k: &str| query.with(|q| q.get(k)).unwrap_or_default();
    let verify = ServerAction::<VerifySegment>::new();
    let listing = Resource::new(
        move || query.get(),
        |q| async move {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            match get("from") {
                None => None,
                Some(from) => Some(
                    list_footage(
                        get("officer"),
                        get("vehicle"),
                        from,
                        get("to").unwrap_or_default(),
                    )
                    .await,
                ),
            }
        },
    );
    view! {
        <section class="page" aria-labelledby="footage-title">
            <h1 id="footage-title">{t!(i18n, footage_title)}</h1>
            <p class="lede">{t!(i18n, footage_intro)}</p>
            <Form method="GET" action="" attr:class="filters">
                <label>{t!(i18n, footage_officer)}<input name="officer" value=move || param("officer") placeholder="10417"/></label>
                <label>{t!(i18n, footage_vehicle)}<input name="vehicle" value=move || param("vehicle") placeholder="PNC-0451"/></label>
                <label>{t!(i18n, footage_from)}<input name="from" type="datetime-local" value=move || param("from") required/></label>
                <label>{t!(i18n, footage_to)}<input name="to" type="datetime-local" value=move || param("to") required/></label>
                <button type="submit" class="primary">{t!(i18n, footage_show)}</button>
            </Form>
            <ActionForm action=verify attr:class="filters">
                <label>{t!(i18n, footage_verify_segment)}<input name="segment" required size="36"/></label>
                <button type="submit">{t!(i18n, footage_verify)}</button>
            </ActionForm>
            {move || verify.value().get().map(|r| match r {
                Ok(v) => view! {
                    <p class=if v.result == VerifyResult::Match { "notice ok" } else { "notice bad" } role="status" data-testid="verify-result" data-result=v.result.as_str()>
                        <strong>{v.segment.clone()}</strong> ": " {move || v.result.label(i18n.get_locale())} " "
                        {v.computed.clone().map(|sha| view! { <code>{sha}</code> })}
                        {v.detail.clone().map(|p| move || format!("({})", p.message(i18n.get_locale())))}
                    </p>
                }.into_any(),
                Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
            })}
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match listing.await {
                        None => view! { <p class="muted">{t!(i18n, footage_hint)}</p> }.into_any(),
                        Some(Ok(v)) => footage_view(v).into_any(),
                        Some(Err(e)) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn placement_label(i18n: leptos_i18n::I18nContext<Locale>, placement: &str) -> String {
    if placement == "cabin" {
        t_string!(i18n, footage_cabin).to_string()
    } else {
        t_string!(i18n, footage_forward).to_string()
    }
}

fn footage_view(v: FootageView) -> impl IntoView {
    let i18n = use_i18n();
    let span = (v.to_ms - v.from_ms).max(1) as f64;
    let total = v.segments;
    let lanes = v.lanes.clone();
    view! {
        <p class="muted" data-testid="footage-total">{t!(i18n, footage_total, count = move || total)}</p>
        // The time axis: each camera a lane, each segment a bar.
        <div class="timeline" data-testid="footage-timeline" role="img" aria-label=move || t_string!(i18n, footage_timeline)>
            {v.lanes.iter().map(|l| {
                let label = format!("{} · {}", l.plate, placement_label(i18n, &l.placement));
                view! {
                    <div class="lane" data-camera=format!("{}-{}", l.plate, l.placement)>
                        <span class="lane-label">{label}</span>
                        // SVG, whose geometry is attributes: the page's policy
                        // allows no inline styles.
                        <svg class="lane-track" viewBox="0 0 1000 20" preserveAspectRatio="none" aria-hidden="true">
                            {l.segments.iter().map(|s| {
                                let x = ((s.from_ms.max(v.from_ms) - v.from_ms) as f64 / span * 1000.0).max(0.0);
                                let w = ((s.to_ms.min(v.to_ms) - s.from_ms.max(v.from_ms)) as f64 / span * 1000.0).max(1.0);
                                view! { <rect class="bar" x=format!("{x:.2}") y="0" width=format!("{w:.2}") height="20"><title>{s.segment.clone()}</title></rect> }
                            }).collect_view()}
                        </svg>
                    </div>
                }
            }).collect_view()}
            <div class="axis"><span>{v.from.clone()}</span><span>{v.to.clone()}</span></div>
        </div>
        <table class="table footage" data-testid="footage-table">
            <thead><tr>
                <th scope="col">{t!(i18n, footage_camera)}</th>
                <th scope="col">{t!(i18n, footage_start)}</th>
                <th scope="col">{t!(i18n, footage_duration)}</th>
                <th scope="col">{t!(i18n, footage_size)}</th>
                <th scope="col">"URI"</th>
                <th scope="col">"SHA-256"</th>
                <th scope="col">{t!(i18n, footage_checked)}</th>
            </tr></thead>
            <tbody>
                {lanes.into_iter().flat_map(|l| {
                    let (plate, placement) = (l.plate.clone(), placement_label(i18n, &l.placement));
                    l.segments.into_iter().map(move |s| view! {
                        <tr data-segment=s.segment.clone()>
                            <td class="nowrap">{format!("{plate} · {placement}")}</td>
                            <td class="nowrap">{s.start.clone()}</td>
                            <td>{format!("{} s", (s.to_ms - s.from_ms) / 1000)}</td>
                            <td class="nowrap">{format!("{:.1} MB", s.bytes as f64 / 1_000_000.0)}</td>
                            <td><code class="uri">{s.uri.clone()}</code></td>
                            <td><code class="sha">{s.sha256.clone()}</code></td>
                            <td>{s.verified.clone().unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    })
                }).collect_view()}
            </tbody>
        </table>
    }
}
