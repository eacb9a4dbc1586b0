//! CSV import of officers, vehicle assignments and confidence tests (server
//! only). The whole file is checked first, against the same rules as the
//! forms and against what the database holds; a file with any bad row
//! changes nothing and gets a report of every bad row. A good file goes in
//! in one transaction, with one audit record carrying the file's SHA-256.
//! Importing the same file again changes nothing.

use std::collections::{HashMap, HashSet};

use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::import::{ImportKind, ImportReport, RowProblem};
use super::write::{clean_assignment, clean_officer, clean_test, today, CleanOfficer};
use super::{AssignmentInput, OfficerInput, TestInput};
use crate::audit::{AuditAction, AuditEntry, AuditedTx};
use crate::codes::{AssignmentRole, OfficerStatus, TestResult};
use crate::error::{AppError, Field, Problem};
use crate::ids::{OfficerId, UnitId, VehicleId};
use crate::policy::{act, Permit};
use crate::store::batch::{insert_many, Value};
use crate::store::Db;
use crate::time::now_ms;
use chrono::NaiveDate;

/// Where an import has got to, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Rows read and checked so far.
    Checked(u64),
    /// Rows written so far, of the total to write.
    Written(u64, u64),
}

/// Rows written between two progress reports.
const WRITE_CHUNK: usize = 2_000;

/// A parsed file: the header's column positions and the rows, each with the
/// line it starts on.
struct Parsed {
    rows: Vec<(u64, HashMap<&'static str, String>)>,
}

fn problem(line: u64, column: &str, problem: Problem) -> RowProblem {
    RowProblem {
        line,
        column: column.to_string(),
        problem,
    }
}

/// Reads the CSV: UTF-8, a header naming exactly the kind's columns (in any
/// order), then rows of as many fields.
fn parse(kind: ImportKind, bytes: &[u8], problems: &mut Vec<RowProblem>) -> Option<Parsed> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            problems.push(problem(line as u64, "", Problem::NotUtf8));
            return None;
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        problems.push(problem(1, "", Problem::FileEmpty));
        return None;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(e) => {
            problems.push(problem(
                1,
                "",
                Problem::HeaderUnreadable {
                    error: e.to_string(),
                },
            ));
            return None;
        }
    };
    let expected = kind.columns();
    let known: Vec<&'static str> = expected
        .iter()
        .chain(kind.optional_columns())
        .copied()
        .collect();
    let mut positions: Vec<(&'static str, usize)> = Vec::new();
    for (i, name) in header.iter().enumerate() {
        match known.iter().find(|c| **c == name) {
            Some(c) if positions.iter().any(|(p, _)| p == c) => {
                problems.push(problem(1, name, Problem::ColumnTwice));
            }
            Some(c) => positions.push((c, i)),
            None => problems.push(problem(
                1,
                name,
                Problem::NotAColumn {
                    kind: kind.as_str().to_string(),
                    columns: known.join(","),
                },
            )),
        }
    }
    for c in expected {
        if !positions.iter().any(|(p, _)| p == c) {
            problems.push(problem(1, c, Problem::ColumnMissing));
        }
    }
    if !problems.is_empty() {
        return None;
    }
    let mut rows = Vec::new();
    // The line a record starts on, counted from its byte offset: the csv
    // crate's own line count lags by one after CRLF line ends.
    let (mut counted_to, mut newlines) = (0usize, 0u64);
    let mut line_at = |byte: u64| {
        // After a CRLF the record's position is the LF it starts with.
        let mut byte = (byte as usize).min(text.len());
        while matches!(text.as_bytes().get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        if byte >= counted_to {
            newlines +=
                memchr::memchr_iter(b'\n', &text.as_bytes()[counted_to..byte]).count() as u64;
            counted_to = byte;
        }
        1 + newlines
    };
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| line_at(p.byte())).unwrap_or(0);
                problems.push(problem(
                    line,
                    "",
                    Problem::RowUnreadable {
                        error: e.to_string(),
                    },
                ));
                continue;
            }
        };
        let line = record.position().map(|p| line_at(p.byte())).unwrap_or(0);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue; // a blank line
        }
        if record.len() != header.len() {
            problems.push(problem(
                line,
                "",
                Problem::FieldCount {
                    found: record.len(),
                    expected: header.len(),
                },
            ));
            continue;
        }
        let fields = positions
            .iter()
            .map(|(name, i)| (*name, record.get(*i).unwrap_or("").to_string()))
            .collect();
        rows.push((line, fields));
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(problem(2, "", Problem::NoRows));
    }
    Some(Parsed { rows })
}

/// The optional `status_since` column: empty, or a past date not before
/// the officer's hire date.
fn status_since(s: &str, hire_date: &str, today: NaiveDate) -> Result<Option<String>, Problem> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    let since = super::rules::past_date(s, today)?;
    if since.as_str() < hire_date {
        return Err(Problem::BeforeHired {
            hire_date: hire_date.to_string(),
        });
    }
    Ok(Some(since))
}

fn get(fields: &HashMap<&'static str, String>, name: &str) -> String {
    fields.get(name).cloned().unwrap_or_default()
}

/// A file read and checked on its own, before the database is asked: the
/// report so far (kind, SHA-256, rows, problems of form) and, when its
/// header was right, its rows.
struct CheckedFile {
    report: ImportReport,
    parsed: Option<Parsed>,
}

/// Hashes and parses `bytes` as a `kind` file (no database: this runs on
/// a blocking thread, off the workers that serve pages).
fn check_file(kind: ImportKind, bytes: &[u8]) -> CheckedFile {
    let mut report = ImportReport {
        kind: kind.as_str().to_string(),
        sha256: hex::encode(Sha256::digest(bytes)),
        ..ImportReport::default()
    };
    let parsed = parse(kind, bytes, &mut report.problems);
    if let Some(p) = &parsed {
        report.rows = p.rows.len() as u64;
    }
    CheckedFile { report, parsed }
}

/// Checks and (if every row is good) imports `bytes` as a `kind` file, in
/// a transaction of its own. The file is parsed first, on a blocking
/// thread and outside any transaction; the transaction holds only the
/// checks against what is stored and the writes, so that other writers
/// (sign-ins among them) wait for it a short time, not for the parsing.
#[tracing::instrument(skip_all, fields(actor = actor.label(), kind = kind.as_str(), bytes = bytes.len()))]
pub async fn import(
    db: &Db,
    actor: &Permit<act::ImportRecords>,
    ip: &str,
    kind: ImportKind,
    bytes: Vec<u8>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ImportReport, AppError> {
    let checked = tokio::task::spawn_blocking(move || check_file(kind, &bytes))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "checking an import file failed");
            AppError::Internal
        })?;
    progress(Progress::Checked(checked.report.rows));
    if checked.parsed.is_none() {
        // The file's form is wrong: no transaction was needed to say so.
        let mut report = checked.report;
        report.problems.sort_by_key(|p| p.line);
        return Ok(report);
    }
    // Check against what the database holds, then write, in one write
    // transaction: nothing can change between the check and the write.
    let mut tx = AuditedTx::begin(db, actor).await?;
    let report = write_checked(&mut tx, actor, ip, kind, checked, progress).await?;
    if !report.imported() {
        // Dropping the transaction rolls it back: nothing was written.
        return Ok(report);
    }
    tx.commit().await?;
    if report.inserted + report.updated >= 1_000 {
        // A large import changes the tables' shape: refresh the planners'
        // statistics (a failure here loses nothing, so it is only logged).
        let table = match kind {
            ImportKind::Officers => "officers",
            ImportKind::Assignments => "vehicle_assignments",
            ImportKind::Tests => "confidence_tests",
        };
        if let Err(e) = db.analyze(Some(table)).await {
            tracing::warn!(error = %e, "ANALYZE after the import failed");
        }
    }
    Ok(report)
}

/// Checks and imports `bytes` as a `kind` file in `tx`, a transaction of
/// the caller's, with the import's audit record. When the report holds
/// problems, `tx` may hold part of the file: the caller must roll it back
/// (drop it), not commit it.
pub async fn import_in(
    tx: &mut AuditedTx,
    actor: &Permit<act::ImportRecords>,
    ip: &str,
    kind: ImportKind,
    bytes: &[u8],
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ImportReport, AppError> {
    let checked = check_file(kind, bytes);
    write_checked(tx, actor, ip, kind, checked, progress).await
}

/// The checks against what `tx` sees, and the writes, of a parsed file.
async fn write_checked(
    tx: &mut AuditedTx,
    actor: &Permit<act::ImportRecords>,
    ip: &str,
    kind: ImportKind,
    checked: CheckedFile,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ImportReport, AppError> {
    let CheckedFile { mut report, parsed } = checked;
    let Some(parsed) = parsed else {
        return Ok(report);
    };
    // Rows of a bad form are reported with every row the checks against
    // what is stored refuse: the report lists every bad row at once.
    match kind {
        ImportKind::Officers => officers(tx, actor, &parsed, &mut report, progress).await?,
        ImportKind::Assignments => assignments(tx, actor, &parsed, &mut report, progress).await?,
        ImportKind::Tests => tests(tx, actor, &parsed, &mut report, progress).await?,
    }
    if !report.problems.is_empty() {
        report.problems.sort_by_key(|p| p.line);
        report.inserted = 0;
        report.updated = 0;
        report.unchanged = 0;
        return Ok(report);
    }
    tx.audit(&AuditEntry {
        action: AuditAction::RecordsImported,
        object_type: "import",
        object_id: kind.as_str().to_string(),
        outcome: "ok",
        ip: ip.to_string(),
        details: json!({
            "sha256": report.sha256, "rows": report.rows, "inserted": report.inserted,
            "updated": report.updated, "unchanged": report.unchanged,
        }),
    })
    .await?;
    Ok(report)
}

/// Badge number → (officer id, hire date), for every officer.
async fn officer_index(
    tx: &mut AuditedTx,
) -> Result<HashMap<String, (OfficerId, String)>, AppError> {
    let rows = sqlx::query("SELECT badge_number, id, hire_date FROM officers")
        .fetch_all(tx.conn())
        .await?;
    rows.iter()
        .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(AppError::from)
}

async fn write_rows(
    tx: &mut AuditedTx,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(), AppError> {
    let total = rows.len() as u64;
    let mut written = 0;
    for chunk in rows.chunks(WRITE_CHUNK) {
        insert_many(tx.conn(), table, columns, chunk).await?;
        written += chunk.len() as u64;
        progress(Progress::Written(written, total));
    }
    Ok(())
}

async fn officers(
    tx: &mut AuditedTx,
    actor: &Permit<act::ImportRecords>,
    parsed: &Parsed,
    report: &mut ImportReport,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(), AppError> {
    let today = today();
    let units: HashMap<String, UnitId> = sqlx::query("SELECT code, id FROM units")
        .fetch_all(tx.conn())
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    struct Existing {
        id: OfficerId,
        fields: [String; 6],
        national_id: Option<String>,
    }
    let existing: HashMap<String, Existing> = sqlx::query(
        "SELECT o.badge_number, o.id, o.given_names, o.family_names, o.rank, u.code, o.status, \
         o.hire_date, o.national_id FROM officers o JOIN units u ON u.id = o.unit_id",
    )
    .fetch_all(tx.conn())
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get(0)?,
            Existing {
                id: r.try_get(1)?,
                fields: [
                    r.try_get(2)?,
                    r.try_get(3)?,
                    r.try_get(4)?,
                    r.try_get(5)?,
                    r.try_get(6)?,
                    r.try_get(7)?,
                ],
                national_id: r.try_get(8)?,
            },
        ))
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut new_rows = Vec::new();
    // (id, the row, when its new status took effect if the file says, whether it changed)
    let mut changed: Vec<(OfficerId, CleanOfficer, Option<String>, bool)> = Vec::new();
    for (line, f) in &parsed.rows {
        let input = OfficerInput {
            badge_number: get(f, "badge_number"),
            given_names: get(f, "given_names"),
            family_names: get(f, "family_names"),
            rank: get(f, "rank"),
            unit: get(f, "unit"),
            status: get(f, "status"),
            hire_date: get(f, "hire_date"),
            national_id: get(f, "national_id"),
        };
        let o = match clean_officer(&input, today) {
            Ok(o) => o,
            Err((column, reason)) => {
                report
                    .problems
                    .push(problem(*line, column.as_str(), reason));
                continue;
            }
        };
        // A dismissal or a suspension is a recorded decision, with its
        // reason (a status change, soon the ministry's): a file cannot make
        // one, only keep one already recorded.
        let held = existing.get(o.badge_number.as_str());
        let by_decision = matches!(
            o.status,
            OfficerStatus::Dismissed | OfficerStatus::Suspended
        );
        if by_decision && held.is_none_or(|e| e.fields[4] != o.status.as_str()) {
            report.problems.push(problem(
                *line,
                Field::Status.as_str(),
                Problem::StatusByDecisionOnly { status: o.status },
            ));
            continue;
        }
        let since = match status_since(&get(f, "status_since"), &o.hire_date, today) {
            Ok(since) => since,
            Err(reason) => {
                report
                    .problems
                    .push(problem(*line, Field::StatusSince.as_str(), reason));
                continue;
            }
        };
        if let Some(first) = seen.insert(o.badge_number.to_string(), *line) {
            report.problems.push(problem(
                *line,
                "badge_number",
                Problem::BadgeAlsoOnLine {
                    badge: o.badge_number.to_string(),
                    line: first,
                },
            ));
            continue;
        }
        let Some(&unit_id) = units.get(&o.unit) else {
            report.problems.push(problem(
                *line,
                "unit",
                Problem::NoUnit {
                    unit: o.unit.clone(),
                },
            ));
            continue;
        };
        match existing.get(o.badge_number.as_str()) {
            None => new_rows.push((o, unit_id, since)),
            Some(e) => {
                let now = [
                    o.given_names.as_str(),
                    o.family_names.as_str(),
                    o.rank.as_str(),
                    o.unit.as_str(),
                    o.status.as_str(),
                    o.hire_date.as_str(),
                ];
                let same_fields = e.fields.iter().zip(now).all(|(a, b)| a == b);
                // An empty national ID keeps the recorded one.
                let same_id = o.national_id.is_none() || o.national_id == e.national_id;
                if same_fields && same_id {
                    report.unchanged += 1;
                } else {
                    let status_changed = e.fields[4] != o.status.as_str();
                    changed.push((
                        e.id,
                        o,
                        status_changed.then_some(since).flatten(),
                        status_changed,
                    ));
                }
            }
        }
    }
    if !report.problems.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let rows: Vec<Vec<Value>> = new_rows
        .iter()
        .map(|(o, unit_id, since)| {
            vec![
                o.badge_number.as_str().into(),
                o.given_names.as_str().into(),
                o.family_names.as_str().into(),
                o.rank.as_str().into(),
                (*unit_id).into(),
                o.status.as_str().into(),
                since.clone().into(),
                o.hire_date.as_str().into(),
                o.national_id.clone().into(),
                crate::search::officer_key(&o.badge_number, &o.given_names, &o.family_names).into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    write_rows(
        tx,
        "officers",
        super::write::OFFICER_COLUMNS,
        &rows,
        progress,
    )
    .await?;
    report.inserted = rows.len() as u64;
    let effective = today.format("%Y-%m-%d").to_string();
    for (id, o, since, status_changed) in &changed {
        let unit_id = units[&o.unit];
        sqlx::query(
            "UPDATE officers SET given_names = $1, family_names = $2, rank = $3, unit_id = $4, \
             hire_date = $5, national_id = COALESCE($6, national_id), search_key = $7, updated_at = $8 \
             WHERE id = $9",
        )
        .bind(&o.given_names)
        .bind(&o.family_names)
        .bind(o.rank.as_str())
        .bind(unit_id)
        .bind(&o.hire_date)
        .bind(&o.national_id)
        .bind(crate::search::officer_key(
            &o.badge_number,
            &o.given_names,
            &o.family_names,
        ))
        .bind(now)
        .bind(id)
        .execute(tx.conn())
        .await?;
        if *status_changed {
            let reason = format!("CSV import (SHA-256 {})", &report.sha256[..16]);
            super::store::set_status(
                tx.conn(),
                *id,
                o.status,
                since.as_deref().unwrap_or(&effective),
                &reason,
                actor.label(),
                now,
                None,
            )
            .await?;
        }
    }
    report.updated = changed.len() as u64;
    Ok(())
}

async fn assignments(
    tx: &mut AuditedTx,
    actor: &Permit<act::ImportRecords>,
    parsed: &Parsed,
    report: &mut ImportReport,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(), AppError> {
    let officers = officer_index(tx).await?;
    let vehicles: HashMap<String, VehicleId> = sqlx::query("SELECT plate, id FROM vehicles")
        .fetch_all(tx.conn())
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    // (officer, vehicle, from, to, role, line)
    let mut good: Vec<(OfficerId, VehicleId, i64, i64, AssignmentRole, u64)> = Vec::new();
    for (line, f) in &parsed.rows {
        let input = AssignmentInput {
            badge_number: get(f, "badge_number"),
            vehicle: get(f, "vehicle"),
            from: get(f, "from"),
            to: get(f, "to"),
            role: get(f, "role"),
        };
        let a = match clean_assignment(&input) {
            Ok(a) => a,
            Err((column, reason)) => {
                report
                    .problems
                    .push(problem(*line, column.as_str(), reason));
                continue;
            }
        };
        let Some(&(officer, _)) = officers.get(a.badge_number.as_str()) else {
            report.problems.push(problem(
                *line,
                "badge_number",
                Problem::NoOfficer {
                    badge: a.badge_number.to_string(),
                },
            ));
            continue;
        };
        let Some(&vehicle) = vehicles.get(a.plate.as_str()) else {
            report.problems.push(problem(
                *line,
                "vehicle",
                Problem::NoVehicle {
                    plate: a.plate.to_string(),
                },
            ));
            continue;
        };
        good.push((officer, vehicle, a.from, a.to, a.role, *line));
    }
    if good.is_empty() {
        return Ok(());
    }
    // What the database holds in the file's time span, for these officers.
    let span_from = good.iter().map(|g| g.2).min().unwrap_or(0);
    let span_to = good.iter().map(|g| g.3).max().unwrap_or(0);
    let in_file: HashSet<OfficerId> = good.iter().map(|g| g.0).collect();
    let mut held: HashMap<OfficerId, Vec<(VehicleId, i64, i64, String)>> = HashMap::new();
    for r in sqlx::query(
        "SELECT officer_id, vehicle_id, starts_at, ends_at, role FROM vehicle_assignments \
         WHERE starts_at < $2 AND ends_at > $1",
    )
    .bind(span_from)
    .bind(span_to)
    .fetch_all(tx.conn())
    .await?
    {
        let officer: OfficerId = r.try_get(0)?;
        if in_file.contains(&officer) {
            held.entry(officer).or_default().push((
                r.try_get(1)?,
                r.try_get(2)?,
                r.try_get(3)?,
                r.try_get(4)?,
            ));
        }
    }
    let plate_of: HashMap<VehicleId, &str> =
        vehicles.iter().map(|(p, id)| (*id, p.as_str())).collect();
    // Per officer, the file's shifts in time order: each must not overlap
    // the one before it in the file, nor any held one (unless it is that
    // same held assignment, which makes it a no-op).
    good.sort_by_key(|g| (g.0, g.2, g.5));
    let mut new_rows = Vec::new();
    let mut previous: Option<&(OfficerId, VehicleId, i64, i64, AssignmentRole, u64)> = None;
    for g in &good {
        let (officer, vehicle, from, to, role, line) = g;
        if let Some(p) = previous.filter(|p| p.0 == *officer && p.3 > *from) {
            report
                .problems
                .push(problem(*line, "from", Problem::OverlapsLine { line: p.5 }));
            previous = Some(g);
            continue;
        }
        previous = Some(g);
        let mut duplicate = false;
        let mut clash = None;
        for h in held.get(officer).map(Vec::as_slice).unwrap_or(&[]) {
            if h.1 < *to && h.2 > *from {
                if (h.0, h.1, h.2, h.3.as_str()) == (*vehicle, *from, *to, role.as_str()) {
                    duplicate = true;
                } else {
                    clash = Some(h);
                }
            }
        }
        if let Some(h) = clash {
            report.problems.push(problem(
                *line,
                "from",
                Problem::ShiftOverlapsAt {
                    plate: plate_of.get(&h.0).unwrap_or(&"?").to_string(),
                    from: super::rules::local_time(h.1),
                    to: super::rules::local_time(h.2),
                },
            ));
        } else if duplicate {
            report.unchanged += 1;
        } else {
            new_rows.push(g);
        }
    }
    if !report.problems.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let rows: Vec<Vec<Value>> = new_rows
        .iter()
        .map(|(officer, vehicle, from, to, role, _)| {
            vec![
                (*officer).into(),
                (*vehicle).into(),
                (*from).into(),
                (*to).into(),
                role.as_str().into(),
                actor.label().into(),
                now.into(),
            ]
        })
        .collect();
    write_rows(
        tx,
        "vehicle_assignments",
        super::write::ASSIGNMENT_COLUMNS,
        &rows,
        progress,
    )
    .await?;
    report.inserted = rows.len() as u64;
    Ok(())
}

async fn tests(
    tx: &mut AuditedTx,
    actor: &Permit<act::ImportRecords>,
    parsed: &Parsed,
    report: &mut ImportReport,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(), AppError> {
    let today = today();
    let officers = officer_index(tx).await?;
    let held: HashMap<(OfficerId, String, String), (String, String, String)> = sqlx::query(
        "SELECT officer_id, kind, taken_on, result, examiner, notes FROM confidence_tests",
    )
    .fetch_all(tx.conn())
    .await?
    .iter()
    .map(|r| {
        Ok((
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?),
            (r.try_get(3)?, r.try_get(4)?, r.try_get(5)?),
        ))
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let mut seen: HashMap<(OfficerId, String, String), u64> = HashMap::new();
    let mut new_rows = Vec::new();
    for (line, f) in &parsed.rows {
        let input = TestInput {
            badge_number: get(f, "badge_number"),
            kind: get(f, "kind"),
            date: get(f, "date"),
            result: get(f, "result"),
            examiner: get(f, "examiner"),
            notes: get(f, "notes"),
        };
        let t = match clean_test(&input, today) {
            Ok(t) => t,
            Err((column, reason)) => {
                report
                    .problems
                    .push(problem(*line, column.as_str(), reason));
                continue;
            }
        };
        let Some((officer, hire_date)) = officers.get(t.badge_number.as_str()) else {
            report.problems.push(problem(
                *line,
                "badge_number",
                Problem::NoOfficer {
                    badge: t.badge_number.to_string(),
                },
            ));
            continue;
        };
        if t.date < *hire_date {
            report.problems.push(problem(
                *line,
                "date",
                Problem::BeforeHired {
                    hire_date: hire_date.clone(),
                },
            ));
            continue;
        }
        let key = (*officer, t.kind.as_str().to_string(), t.date.clone());
        if let Some(first) = seen.insert(key.clone(), *line) {
            report.problems.push(problem(
                *line,
                "date",
                Problem::SameTestOnLine { line: first },
            ));
            continue;
        }
        match held.get(&key) {
            Some(h) if (h.0.as_str(), &h.1, &h.2) == (t.result.as_str(), &t.examiner, &t.notes) => {
                report.unchanged += 1;
            }
            Some(h) => report.problems.push(problem(
                *line,
                "result",
                Problem::TestRecordedBy {
                    kind: t.kind,
                    date: t.date.clone(),
                    result: TestResult::from_stored(&h.0)?,
                    by: h.1.clone(),
                },
            )),
            None => new_rows.push((*officer, t)),
        }
    }
    if !report.problems.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let rows: Vec<Vec<Value>> = new_rows
        .iter()
        .map(|(officer, t)| {
            vec![
                (*officer).into(),
                t.kind.as_str().into(),
                t.date.as_str().into(),
                t.result.as_str().into(),
                t.examiner.as_str().into(),
                t.notes.as_str().into(),
                actor.label().into(),
                now.into(),
            ]
        })
        .collect();
    write_rows(
        tx,
        "confidence_tests",
        super::write::TEST_COLUMNS,
        &rows,
        progress,
    )
    .await?;
    report.inserted = rows.len() as u64;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines are counted as an editor or a spreadsheet shows them: the
    /// header is line 1, the first data row line 2 (CRLF or LF, with or
    /// without a byte-order mark, with a quoted field that spans two lines).
    #[test]
    fn rows_carry_the_line_numbers_of_the_file() {
        let header = "badge_number,given_names,family_names,rank,unit,status,hire_date,national_id";
        for (eol, bom) in [("\n", ""), ("\r\n", ""), ("\r\n", "\u{feff}")] {
            let text = format!(
                "{bom}{header}{eol}10001,Ana,Pérez,agente,01-01,,2020-01-01,{eol}10002,\"Luis{eol}José\",Ajú,agente,01-01,,2020-01-01,{eol}10003,Eva,Cux,agente,01-01,,2020-01-01,{eol}"
            );
            let mut problems = Vec::new();
            let parsed = parse(ImportKind::Officers, text.as_bytes(), &mut problems).unwrap();
            assert!(problems.is_empty(), "{problems:?}");
            let lines: Vec<u64> = parsed.rows.iter().map(|(l, _)| *l).collect();
            assert_eq!(lines, vec![2, 3, 5], "{eol:?} {bom:?}");
        }
    }
}
