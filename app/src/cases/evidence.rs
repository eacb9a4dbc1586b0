//! What a case rests on (server only): evidence links to footage segments
//! (with a time range inside the segment), confidence tests and documents,
//! and the documents themselves. A link points at the stored record and
//! never copies it; each names who linked it, when and why, and is
//! append-only. A document's bytes go to the document store, named by
//! their SHA-256, before the row that names them commits; a download is
//! served only once the bytes still hash to that name, and is audited.

use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::store::{self, no_case, Head};
use super::workflow::subjects_open;
use super::write::{at, entry, invalid, lock, text, touch};
use super::*;
use crate::audit::{AuditAction, AuditEntry, AuditedTx};
use crate::codes::{CaseStatus, TestKind, TestResult};
use crate::documents::{DocumentStore, Fetched};
use crate::error::{AppError, Field, Problem};
use crate::policy::{act, Action, Object, Permit};
use crate::store::Db;
use crate::time::{local_minute, local_second, now_ms, parse_instant};

/// The "why" of a link: one sentence, required.
fn reason(s: &str) -> Result<String, AppError> {
    text(s, 500, true).map_err(invalid(Field::Reason))
}

/// A link is made while the case is worked (intake to the supervisor's
/// review), by those who may work it.
fn open_for_links(head: &Head) -> Result<(), AppError> {
    at(head, subjects_open(head.status))
}

/// Links footage segment `segment` (its id as the machine API gave it) to
/// the case, with the time range `from`–`to` inside it (local date-times;
/// both empty: the whole segment).
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn link_footage(
    db: &Db,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    segment: &str,
    from: &str,
    to: &str,
    why: &str,
) -> Result<(), AppError> {
    let why = reason(why)?;
    let range = clip_range(from, to)?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    link_footage_in(&mut tx, actor, ip, number, segment, range, &why).await?;
    tx.commit().await
}

/// The range typed on the form: both ends or neither.
pub fn clip_range(from: &str, to: &str) -> Result<Option<(i64, i64)>, AppError> {
    match (from.trim(), to.trim()) {
        ("", "") => Ok(None),
        (f, t) => {
            let f = parse_instant(f).map_err(invalid(Field::From))?;
            let t = parse_instant(t).map_err(invalid(Field::To))?;
            if t <= f {
                return Err(AppError::validation(Field::To, Problem::EndsBeforeStart));
            }
            Ok(Some((f, t)))
        }
    }
}

/// [`link_footage`] in the caller's transaction (`why` checked); answers
/// the link's id.
pub async fn link_footage_in(
    tx: &mut AuditedTx,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    segment: &str,
    range: Option<(i64, i64)>,
    why: &str,
) -> Result<i64, AppError> {
    let (head, _grant) = lock(tx, actor, number).await?;
    if !actor.also_allows(Action::ReadFootage, Object::Any) {
        return Err(AppError::Forbidden(Problem::MayNotSee));
    }
    open_for_links(&head)?;
    let segment = segment.trim();
    if segment.is_empty() {
        return Err(AppError::validation(Field::Segment, Problem::Required));
    }
    let r = sqlx::query("SELECT id, starts_at, ends_at FROM footage_segments WHERE segment = $1")
        .bind(segment)
        .fetch_optional(tx.conn())
        .await?
        .ok_or_else(|| {
            AppError::validation(
                Field::Segment,
                Problem::NoSegment {
                    segment: segment.to_string(),
                },
            )
        })?;
    let (segment_id, starts, ends): (i64, i64, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
    let (from, to) = range.unwrap_or((starts, ends));
    if from < starts || to > ends {
        return Err(AppError::validation(
            Field::From,
            Problem::ClipOutsideSegment {
                from: local_second(starts),
                to: local_second(ends),
            },
        ));
    }
    let linked = sqlx::query(
        "SELECT 1 FROM case_evidence WHERE case_id = $1 AND segment_id = $2 AND clip_from = $3 AND clip_to = $4",
    )
    .bind(head.id)
    .bind(segment_id)
    .bind(from)
    .bind(to)
    .fetch_optional(tx.conn())
    .await?;
    if linked.is_some() {
        return Err(AppError::validation(
            Field::Segment,
            Problem::EvidenceLinked,
        ));
    }
    let id = insert_link(
        tx,
        &head,
        actor,
        "footage",
        (Some(segment_id), Some(from), Some(to)),
        None,
        None,
        why,
    )
    .await?;
    tx.audit(&entry(
        ip,
        AuditAction::EvidenceLinked,
        &head.number,
        json!({ "evidence": id, "kind": "footage", "segment": segment, "from": local_second(from), "to": local_second(to), "reason": why }),
    ))
    .await?;
    touch(tx, head.id).await?;
    Ok(id)
}

/// Links confidence test `test` (its id) of one of the case's officers.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn link_test(
    db: &Db,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    test: i64,
    why: &str,
) -> Result<(), AppError> {
    let why = reason(why)?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    link_test_in(&mut tx, actor, ip, number, test, &why).await?;
    tx.commit().await
}

/// [`link_test`] in the caller's transaction (`why` checked).
pub async fn link_test_in(
    tx: &mut AuditedTx,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    test: i64,
    why: &str,
) -> Result<i64, AppError> {
    let (head, _grant) = lock(tx, actor, number).await?;
    if !actor.also_allows(Action::ReadConfidenceTests, Object::Any) {
        return Err(AppError::Forbidden(Problem::MayNotSee));
    }
    open_for_links(&head)?;
    let r = sqlx::query(
        "SELECT o.badge_number FROM confidence_tests t \
         JOIN officers o ON o.id = t.officer_id \
         WHERE t.id = $1 AND t.officer_id IN (SELECT officer_id FROM case_subjects WHERE case_id = $2)",
    )
    .bind(test)
    .bind(head.id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| AppError::validation(Field::Test, Problem::NoTestOfSubject))?;
    let badge: String = r.try_get(0)?;
    if sqlx::query("SELECT 1 FROM case_evidence WHERE case_id = $1 AND test_id = $2")
        .bind(head.id)
        .bind(test)
        .fetch_optional(tx.conn())
        .await?
        .is_some()
    {
        return Err(AppError::validation(Field::Test, Problem::EvidenceLinked));
    }
    let id = insert_link(
        tx,
        &head,
        actor,
        "confidence_test",
        (None, None, None),
        Some(test),
        None,
        why,
    )
    .await?;
    tx.audit(&entry(
        ip,
        AuditAction::EvidenceLinked,
        &head.number,
        // The test by its id only: its kind, date and result are for those
        // who may read tests, and the case's timeline shows this record to
        // every reader of the case.
        json!({ "evidence": id, "kind": "confidence_test", "test": test, "badge_number": badge, "reason": why }),
    ))
    .await?;
    touch(tx, head.id).await?;
    Ok(id)
}

/// Links officer `badge`'s track over `from`–`to` (RFC 3339, or local
/// date-times as the track page's form sends them; at most 31 days) to
/// the case: the window the track page showed, in one action. The officer
/// must be one of the case's officers. The pings stay where they are (the
/// link names the officer and the window); the audit record keeps how
/// many there were and their SHA-256, so a later change to them shows.
#[allow(clippy::too_many_arguments)]
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn link_track(
    db: &Db,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    badge: &str,
    from: &str,
    to: &str,
    why: &str,
) -> Result<(), AppError> {
    let why = reason(why)?;
    let window = crate::tracking::window(from, to, crate::tracking::MAX_TRACK_DAYS * 24)?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    link_track_in(&mut tx, actor, ip, number, badge, window, &why).await?;
    tx.commit().await
}

/// [`link_track`] in the caller's transaction (`why` and the window
/// checked); answers the link's id.
pub async fn link_track_in(
    tx: &mut AuditedTx,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    badge: &str,
    (from, to): (i64, i64),
    why: &str,
) -> Result<i64, AppError> {
    let (head, _grant) = lock(tx, actor, number).await?;
    let badge = badge.trim();
    if !actor.also_allows(Action::ReadTracks, Object::Officer(badge)) {
        return Err(AppError::Forbidden(Problem::MayNotSee));
    }
    open_for_links(&head)?;
    if badge.is_empty() {
        return Err(AppError::validation(Field::BadgeNumber, Problem::Required));
    }
    let officer: i64 = sqlx::query(
        "SELECT o.id FROM officers o JOIN case_subjects s ON s.officer_id = o.id AND s.case_id = $2 \
         WHERE o.badge_number = $1",
    )
    .bind(badge)
    .bind(head.id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| {
        AppError::validation(
            Field::BadgeNumber,
            Problem::NotCaseSubject {
                badge: badge.to_string(),
            },
        )
    })?
    .try_get(0)?;
    if sqlx::query(
        "SELECT 1 FROM case_evidence WHERE case_id = $1 AND kind = 'track' AND officer_id = $2 \
         AND track_from = $3 AND track_to = $4",
    )
    .bind(head.id)
    .bind(officer)
    .bind(from)
    .bind(to)
    .fetch_optional(tx.conn())
    .await?
    .is_some()
    {
        return Err(AppError::validation(
            Field::BadgeNumber,
            Problem::EvidenceLinked,
        ));
    }
    let (pings, sha256) = track_fingerprint(tx.conn(), officer, from, to).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO case_evidence (case_id, kind, officer_id, track_from, track_to, reason, linked_by, linked_at) \
         VALUES ($1, 'track', $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(head.id)
    .bind(officer)
    .bind(from)
    .bind(to)
    .bind(why)
    .bind(actor.label())
    .bind(now_ms())
    .fetch_one(tx.conn())
    .await?
    .try_get(0)?;
    tx.audit(&entry(
        ip,
        AuditAction::EvidenceLinked,
        &head.number,
        json!({
            "evidence": id, "kind": "track", "badge_number": badge,
            "from": local_second(from), "to": local_second(to),
            "pings": pings, "sha256": sha256, "reason": why,
        }),
    ))
    .await?;
    touch(tx, head.id).await?;
    Ok(id)
}

/// The cases `reader` may link officer `badge`'s track to now: those open
/// for links where the officer is one of the case's officers and the
/// reader may work the case (newest first, at most 50).
pub async fn track_link_cases<A: crate::policy::ActionKind>(
    conn: &mut AnyConnection,
    reader: &Permit<A>,
    badge: &str,
) -> Result<Vec<String>, AppError> {
    if !reader.also_allows(Action::WriteCases, Object::Any)
        || !reader.also_allows(Action::ReadTracks, Object::Officer(badge))
    {
        return Ok(Vec::new());
    }
    let rows = sqlx::query(
        "SELECT c.number, c.status, c.sealed, c.assigned_to FROM cases c \
         JOIN case_subjects s ON s.case_id = c.id JOIN officers o ON o.id = s.officer_id \
         WHERE o.badge_number = $1 AND c.status IN ('intake', 'investigation', 'supervisor_review') \
         ORDER BY c.id DESC LIMIT 200",
    )
    .bind(badge.trim())
    .fetch_all(conn)
    .await?;
    let mut cases = Vec::new();
    for r in rows {
        let status = CaseStatus::from_stored(&r.try_get::<String, _>(1)?)?;
        let facts = super::workflow::facts(r.try_get(3)?, r.try_get::<i64, _>(2)? == 1, status);
        if reader.also_allows(Action::ReadCases, Object::Case(facts))
            && reader.also_allows(Action::WriteCases, Object::Case(facts))
        {
            cases.push(r.try_get(0)?);
        }
        if cases.len() == 50 {
            break;
        }
    }
    Ok(cases)
}

/// How many pings officer `officer` has in `from`–`to`, and the SHA-256 of
/// them in time order (chip, time in ms, latitude and longitude in 1e-7
/// degrees, one line each): what a track link rests on, as it was when
/// linked.
pub async fn track_fingerprint(
    conn: &mut AnyConnection,
    officer: i64,
    from: i64,
    to: i64,
) -> Result<(i64, String), AppError> {
    use sha2::{Digest, Sha256};
    let rows = sqlx::query(
        "SELECT b.chip_id, p.ts, p.lat_e7, p.lon_e7 FROM pings p JOIN badges b ON b.id = p.badge_id \
         WHERE p.officer_id = $1 AND p.ts >= $2 AND p.ts <= $3 ORDER BY p.ts, b.chip_id",
    )
    .bind(officer)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    let mut hash = Sha256::new();
    for r in &rows {
        let (chip, ts, lat, lon): (String, i64, i64, i64) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        hash.update(format!("{chip},{ts},{lat},{lon}\n").as_bytes());
    }
    Ok((rows.len() as i64, hex::encode(hash.finalize())))
}

#[allow(clippy::too_many_arguments)]
async fn insert_link(
    tx: &mut AuditedTx,
    head: &Head,
    actor: &Permit<act::WriteCases>,
    kind: &str,
    footage: (Option<i64>, Option<i64>, Option<i64>),
    test: Option<i64>,
    document: Option<i64>,
    why: &str,
) -> Result<i64, AppError> {
    Ok(sqlx::query(
        "INSERT INTO case_evidence (case_id, kind, segment_id, clip_from, clip_to, test_id, document_id, \
         reason, linked_by, linked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(head.id)
    .bind(kind)
    .bind(footage.0)
    .bind(footage.1)
    .bind(footage.2)
    .bind(test)
    .bind(document)
    .bind(why)
    .bind(actor.label())
    .bind(now_ms())
    .fetch_one(tx.conn())
    .await?
    .try_get(0)?)
}

/// A document as it arrived: streamed into `file` (rewound), hashed.
pub struct Upload {
    pub file: std::fs::File,
    pub bytes: u64,
    pub sha256: String,
    pub file_name: String,
    /// The type its first bytes say (see [`crate::documents::document_type`]).
    pub content_type: &'static str,
}

/// Checks, before the file is read, that `actor` may add a document to the
/// case now (the same checks run again, on the locked row, when it is
/// recorded).
pub async fn may_add_document(
    db: &Db,
    actor: &Permit<act::WriteCases>,
    number: &str,
) -> Result<(), AppError> {
    let mut conn = db.pool().acquire().await?;
    let head = store::head(&mut conn, number, false)
        .await?
        .filter(|h| actor.also_allows(Action::ReadCases, Object::Case(h.facts())))
        .ok_or_else(|| no_case(number))?;
    actor.on_case(head.facts())?;
    open_for_links(&head)
}

/// Stores `upload`'s bytes (once: the same bytes already stored are not
/// sent again), then records the document in the case with why it is
/// there, in one transaction with its audit record. Answers the
/// document's id.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn add_document(
    db: &Db,
    documents: &DocumentStore,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    upload: Upload,
    why: &str,
) -> Result<i64, AppError> {
    let why = reason(why)?;
    let file_name = text(&upload.file_name, 255, true).map_err(invalid(Field::File))?;
    // The bytes first: the row that names them commits only once they are
    // durable. Bytes stored for a document whose row then fails are found
    // again by their hash, never lost or doubled.
    // Sent even when the same bytes are stored already: the object keeps
    // one name, and a stored copy that was altered is mended.
    let known: bool = sqlx::query("SELECT 1 FROM documents WHERE sha256 = $1")
        .bind(&upload.sha256)
        .fetch_optional(db.pool())
        .await?
        .is_some();
    documents.put(&upload.sha256, upload.file).await?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    let (head, _grant) = lock(&mut tx, actor, number).await?;
    open_for_links(&head)?;
    if let Some(r) =
        sqlx::query("SELECT file_name FROM case_documents WHERE case_id = $1 AND sha256 = $2")
            .bind(head.id)
            .bind(&upload.sha256)
            .fetch_optional(tx.conn())
            .await?
    {
        return Err(AppError::validation(
            Field::File,
            Problem::DocumentInCase {
                name: r.try_get(0)?,
            },
        ));
    }
    let now = now_ms();
    sqlx::query("INSERT INTO documents (sha256, bytes, stored_at) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING")
        .bind(&upload.sha256)
        .bind(upload.bytes as i64)
        .bind(now)
        .execute(tx.conn())
        .await?;
    let id: i64 = sqlx::query(
        "INSERT INTO case_documents (case_id, sha256, file_name, content_type, bytes, uploaded_by, uploaded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(head.id)
    .bind(&upload.sha256)
    .bind(&file_name)
    .bind(upload.content_type)
    .bind(upload.bytes as i64)
    .bind(actor.label())
    .bind(now)
    .fetch_one(tx.conn())
    .await?
    .try_get(0)?;
    let link = insert_link(
        &mut tx,
        &head,
        actor,
        "document",
        (None, None, None),
        None,
        Some(id),
        &why,
    )
    .await?;
    tx.audit(&entry(
        ip,
        AuditAction::DocumentAdded,
        &head.number,
        json!({
            "document": id, "evidence": link, "file_name": file_name, "type": upload.content_type,
            "bytes": upload.bytes, "sha256": upload.sha256, "stored_before": known, "reason": why,
        }),
    ))
    .await?;
    touch(&mut tx, head.id).await?;
    tx.commit().await?;
    Ok(id)
}

/// A document ready to send: checked against its SHA-256.
#[derive(Debug)]
pub struct Download {
    pub file: std::fs::File,
    pub file_name: String,
    pub content_type: String,
    pub bytes: u64,
    pub sha256: String,
}

/// Document `id` of case `number`, for `reader`: not found unless they may
/// see the case; read from the store into an unnamed file in `dir` and
/// checked against its SHA-256. A document that no longer matches (or is
/// missing) is refused, and the refusal audited; one that matches is
/// audited as read before it is sent.
pub async fn download(
    db: &Db,
    documents: &DocumentStore,
    reader: &Permit<act::ReadCases>,
    ip: &str,
    number: &str,
    id: &str,
    dir: &std::path::Path,
) -> Result<Download, AppError> {
    let mut conn = db.pool().acquire().await?;
    let head = store::head(&mut conn, number, false)
        .await?
        .filter(|h| reader.also_allows(Action::ReadCases, Object::Case(h.facts())))
        .ok_or_else(|| no_case(number))?;
    let not_found = || AppError::NotFound(Problem::NoDocument);
    let id: i64 = id.trim().parse().map_err(|_| not_found())?;
    let r = sqlx::query(
        "SELECT file_name, content_type, bytes, sha256 FROM case_documents WHERE id = $1 AND case_id = $2",
    )
    .bind(id)
    .bind(head.id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(not_found)?;
    drop(conn);
    let (file_name, content_type, bytes, sha256): (String, String, i64, String) =
        (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
    let record = |action, outcome, details| AuditEntry {
        action,
        object_type: "case",
        object_id: head.number.clone(),
        outcome,
        ip: ip.to_string(),
        details,
    };
    match documents.fetch(&sha256, bytes as u64, dir).await? {
        Fetched::Verified(file) => {
            crate::audit::record(
                db,
                reader,
                &record(
                    AuditAction::DocumentRead,
                    "ok",
                    json!({ "document": id, "file_name": file_name, "sha256": sha256 }),
                ),
            )
            .await?;
            Ok(Download {
                file,
                file_name,
                content_type,
                bytes: bytes as u64,
                sha256,
            })
        }
        found => {
            let (problem, now) = match &found {
                Fetched::Altered(h) => (
                    Problem::DocumentAltered {
                        sha256: sha256.clone(),
                    },
                    Some(h.clone()),
                ),
                _ => (
                    Problem::DocumentMissing {
                        sha256: sha256.clone(),
                    },
                    None,
                ),
            };
            tracing::error!(case = %head.number, document = id, %sha256, found = ?now, "a stored document fails its integrity check");
            crate::audit::record(
                db,
                reader,
                &record(
                    AuditAction::DocumentIntegrityFailed,
                    "refused",
                    json!({ "document": id, "file_name": file_name, "sha256": sha256, "found": now.unwrap_or_else(|| "missing".into()) }),
                ),
            )
            .await?;
            Err(AppError::Conflict(problem))
        }
    }
}

/// The case's evidence and documents, as `reader` may see them: the
/// footage's camera and the test's result only to those who may read
/// footage and tests (the ministry sees the link, its range and its
/// reason).
pub async fn evidence<A: crate::policy::ActionKind>(
    conn: &mut AnyConnection,
    reader: &Permit<A>,
    number: &str,
    case_id: i64,
) -> Result<(Vec<EvidenceView>, Vec<DocumentView>), AppError> {
    let footage = reader.also_allows(Action::ReadFootage, Object::Any);
    let tests = reader.also_allows(Action::ReadConfidenceTests, Object::Any);
    let tracks = reader.also_allows(Action::ReadTracks, Object::Any);
    let rows = sqlx::query(
        "SELECT e.id, e.kind, e.reason, e.linked_by, e.linked_at, e.clip_from, e.clip_to, \
         f.segment, v.plate, c.placement, f.sha256, \
         o.badge_number, t.kind, t.taken_on, t.result, \
         d.id, d.file_name, d.content_type, d.bytes, d.sha256, \
         w.badge_number, w.given_names, w.family_names, e.track_from, e.track_to \
         FROM case_evidence e \
         LEFT JOIN footage_segments f ON f.id = e.segment_id \
         LEFT JOIN cameras c ON c.id = f.camera_id LEFT JOIN vehicles v ON v.id = c.vehicle_id \
         LEFT JOIN confidence_tests t ON t.id = e.test_id LEFT JOIN officers o ON o.id = t.officer_id \
         LEFT JOIN case_documents d ON d.id = e.document_id \
         LEFT JOIN officers w ON w.id = e.officer_id \
         WHERE e.case_id = $1 ORDER BY e.id",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?;
    let mut evidence = Vec::new();
    let mut documents = Vec::new();
    for r in rows {
        let id: i64 = r.try_get(0)?;
        let kind: String = r.try_get(1)?;
        let why: String = r.try_get(2)?;
        let by: String = r.try_get(3)?;
        let at = local_minute(r.try_get(4)?);
        let mut test = None;
        let (kind, label, detail, href) = match kind.as_str() {
            "footage" => {
                let (from, to): (i64, i64) = (r.try_get(5)?, r.try_get(6)?);
                let segment: String = r.try_get(7)?;
                let range = format!("{} → {}", local_second(from), crate::time::local_clock(to));
                let plate: Option<String> = r.try_get(8)?;
                let placement: Option<String> = r.try_get(9)?;
                if footage {
                    let plate = plate.unwrap_or_default();
                    let detail = format!(
                        "{plate} · {} · {range} · SHA-256 {}",
                        placement.unwrap_or_default(),
                        r.try_get::<String, _>(10)?
                    );
                    let href = format!(
                        "/footage?vehicle={plate}&from={}&to={}",
                        crate::time::local_iso_minute(from),
                        crate::time::local_iso_minute(to + 60_000)
                    );
                    (EvidenceKind::Footage, segment, detail, Some(href))
                } else {
                    (EvidenceKind::Footage, segment, range, None)
                }
            }
            "confidence_test" => {
                let badge: String = r.try_get(11)?;
                if tests {
                    test = Some(TestChoice {
                        id: 0,
                        badge_number: badge.clone(),
                        kind: TestKind::from_stored(&r.try_get::<String, _>(12)?)?,
                        taken_on: r.try_get(13)?,
                        result: TestResult::from_stored(&r.try_get::<String, _>(14)?)?,
                    });
                    let href = Some(format!("/officers/{badge}"));
                    (EvidenceKind::ConfidenceTest, badge, String::new(), href)
                } else {
                    (EvidenceKind::ConfidenceTest, badge, String::new(), None)
                }
            }
            "track" => {
                let badge: String = r.try_get(20)?;
                let name = format!(
                    "{} {}",
                    r.try_get::<String, _>(21)?,
                    r.try_get::<String, _>(22)?
                );
                let (from, to): (i64, i64) = (r.try_get(23)?, r.try_get(24)?);
                let range = format!("{} → {}", local_minute(from), local_minute(to));
                if tracks {
                    let href = format!(
                        "/officers/{badge}/track?from={}&to={}&case={number}",
                        crate::time::rfc3339_utc(from),
                        crate::time::rfc3339_utc(to)
                    );
                    (
                        EvidenceKind::Track,
                        format!("{badge} · {name}"),
                        range,
                        Some(href),
                    )
                } else {
                    (EvidenceKind::Track, badge, range, None)
                }
            }
            _ => {
                let doc: i64 = r.try_get(15)?;
                let name: String = r.try_get(16)?;
                let content_type: String = r.try_get(17)?;
                let size = crate::format::format_bytes(r.try_get::<i64, _>(18)? as u64);
                let sha: String = r.try_get(19)?;
                let href = format!("/cases/{number}/documents/{doc}");
                documents.push(DocumentView {
                    id: doc,
                    file_name: name.clone(),
                    content_type: content_type.clone(),
                    size: size.clone(),
                    sha256: sha.clone(),
                    uploaded_by: by.clone(),
                    at: at.clone(),
                    reason: why.clone(),
                    href: href.clone(),
                });
                (
                    EvidenceKind::Document,
                    name,
                    format!("{content_type} · {size} · SHA-256 {sha}"),
                    Some(href),
                )
            }
        };
        evidence.push(EvidenceView {
            id,
            kind,
            label,
            detail,
            href,
            test,
            reason: why,
            linked_by: by,
            at,
        });
    }
    Ok((evidence, documents))
}

/// The confidence tests of the case's officers not linked yet, newest
/// first (for a reader who may link them).
pub async fn linkable_tests(
    conn: &mut AnyConnection,
    case_id: i64,
) -> Result<Vec<TestChoice>, AppError> {
    sqlx::query(
        "SELECT t.id, o.badge_number, t.kind, t.taken_on, t.result FROM confidence_tests t \
         JOIN officers o ON o.id = t.officer_id \
         WHERE t.officer_id IN (SELECT officer_id FROM case_subjects WHERE case_id = $1) \
         AND t.id NOT IN (SELECT test_id FROM case_evidence WHERE case_id = $1 AND test_id IS NOT NULL) \
         ORDER BY t.taken_on DESC, t.id DESC LIMIT 50",
    )
    .bind(case_id)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|r| {
        Ok(TestChoice {
            id: r.try_get(0)?,
            badge_number: r.try_get(1)?,
            kind: TestKind::from_stored(&r.try_get::<String, _>(2)?)?,
            taken_on: r.try_get(3)?,
            result: TestResult::from_stored(&r.try_get::<String, _>(4)?)?,
        })
    })
    .collect()
}
