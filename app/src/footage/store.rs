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

enum Opened {
    NotAFile,
    Io(std::io::Error),
}

/// Opens the file found at `real` (a canonical path, checked to be in the
/// folder) without following a link put in its place since the check
/// (`O_NOFOLLOW`), without waiting on a pipe (`O_NONBLOCK`), and only if
/// it is a regular file, the very one checked (same device and inode).
fn open_checked(real: &std::path::Path) -> Result<std::fs::File, Opened> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let checked = std::fs::symlink_metadata(real).map_err(Opened::Io)?;
    if !checked.file_type().is_file() {
        return Err(Opened::NotAFile);
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(real)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                Opened::NotAFile
            } else {
                Opened::Io(e)
            }
        })?;
    let opened = file.metadata().map_err(Opened::Io)?;
    if !opened.file_type().is_file()
        || (opened.dev(), opened.ino()) != (checked.dev(), checked.ino())
    {
        return Err(Opened::NotAFile);
    }
    Ok(file)
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
    let mut file = open_checked(&real).map_err(|e| match e {
        Opened::NotAFile => Problem::FootageNotAFile {
            uri: path.display().to_string(),
        },
        Opened::Io(e) => unreadable(e),
    })?;
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
            let known: Option<i64> = sqlx::query_scalar("SELECT id FROM vehicles WHERE plate = $1")
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
            "SELECT c.placement, f.segment, f.starts_at, f.ends_at, f.uri, f.bytes, f.sha256, f.verify_result, f.late \
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
                    late: r.try_get::<i64, _>(8)? != 0,
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
        may_open_case: reader.also_allows(
            crate::policy::Action::WriteCases,
            crate::policy::Object::Any,
        ),
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
