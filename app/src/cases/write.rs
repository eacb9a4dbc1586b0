//! Changes to cases (server only). Each one runs in one [`AuditedTx`]: the
//! case's row is read (and locked) inside it, the policy decides on that
//! case as it stands ([`Permit::on_case`] gives the [`CasePermit`] the
//! change needs), the workflow's rules are checked, and the change commits
//! with its audit record and the case's search document, or not at all.
//! A case the actor may not see is "not found", whatever they ask of it.

use chrono::NaiveDate;
use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::store::{self, no_case, Head};
use super::workflow::{self, CaseDeadlines};
use super::*;
use crate::audit::{AuditAction, AuditEntry, AuditedTx};
use crate::codes::OfficerStatus;
use crate::error::{AppError, Field, Problem};
use crate::officers::rules;
use crate::policy::{act, Action, ActionKind, CasePermit, Object, Permit, WriteAction};
use crate::store::Db;
use crate::time::now_ms;

pub(super) fn invalid(field: Field) -> impl Fn(Problem) -> AppError {
    move |p| AppError::validation(field, p)
}

/// Free text from a form: line ends as the browser sends them (CRLF) made
/// plain newlines, then checked.
pub(super) fn text(s: &str, max: usize, required: bool) -> Result<String, Problem> {
    let s = s.replace("\r\n", "\n");
    if required {
        rules::required_text(&s, max)
    } else {
        rules::optional_text(&s, max)
    }
}

fn date(s: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| AppError::Internal)
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub(super) fn entry(
    ip: &str,
    action: AuditAction,
    number: &str,
    details: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        action,
        object_type: "case",
        object_id: number.to_string(),
        outcome: "ok",
        ip: ip.to_string(),
        details,
    }
}

/// Reads and locks case `number` in `tx` and asks the policy for `A` on
/// it: not found when the actor may not see it, refused when they may see
/// it but not do this.
pub(super) async fn lock<A: ActionKind>(
    tx: &mut AuditedTx,
    actor: &Permit<A>,
    number: &str,
) -> Result<(Head, CasePermit<A>), AppError> {
    let head = store::head(tx.conn(), number, true)
        .await?
        .filter(|h| actor.also_allows(Action::ReadCases, Object::Case(h.facts())))
        .ok_or_else(|| no_case(number))?;
    let grant = actor.on_case(head.facts())?;
    Ok((head, grant))
}

pub(super) fn at(head: &Head, allowed: bool) -> Result<(), AppError> {
    if allowed {
        Ok(())
    } else {
        Err(AppError::Conflict(Problem::CaseNotAt {
            status: head.status,
        }))
    }
}

pub(super) async fn touch(tx: &mut AuditedTx, case_id: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE cases SET updated_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(case_id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub(super) async fn refresh_search(tx: &mut AuditedTx, case_id: i64) -> Result<(), AppError> {
    let backend = tx.backend();
    super::search::refresh(tx.conn(), backend, case_id).await
}

/// The next number of `year`, taken inside the creating transaction: the
/// upsert takes the year's row lock (PostgreSQL) or runs under SQLite's
/// single writer, so concurrent intakes get consecutive, distinct numbers.
async fn next_number(conn: &mut AnyConnection, year: i32) -> Result<(i64, String), AppError> {
    let seq: i64 = sqlx::query(
        "INSERT INTO case_numbers (year, last) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last = case_numbers.last + 1 RETURNING last",
    )
    .bind(i64::from(year))
    .fetch_one(conn)
    .await?
    .try_get(0)?;
    Ok((seq, format!("IA-{year}-{seq:06}")))
}

/// A checked intake.
struct CleanCase {
    title: String,
    summary: String,
    origin: CaseOrigin,
    intake_on: NaiveDate,
    incident_at: Option<i64>,
    unit: Option<String>,
    place: String,
    complainant: &'static str,
    complainant_name: Option<String>,
    complainant_contact: Option<String>,
    accused: Option<String>,
    /// Evidence to link at once, and why.
    test: Option<i64>,
    segment: Option<String>,
    evidence_reason: String,
}

fn clean_case(input: &CaseInput, today: NaiveDate) -> Result<CleanCase, AppError> {
    let title = text(&input.title, 200, true).map_err(invalid(Field::Title))?;
    let summary = text(&input.summary, 10_000, true).map_err(invalid(Field::Summary))?;
    let origin = input.origin.trim();
    let origin = CaseOrigin::parse(origin).ok_or_else(|| {
        AppError::validation(
            Field::Origin,
            if origin.is_empty() {
                Problem::Required
            } else {
                Problem::not_one_of(origin, &CaseOrigin::codes())
            },
        )
    })?;
    let intake_on = if input.intake_on.trim().is_empty() {
        today
    } else {
        let d = rules::hire_date(&input.intake_on, today).map_err(invalid(Field::IntakeOn))?;
        date(&d)?
    };
    let incident_at = match input.incident_at.trim() {
        "" => None,
        s => {
            let ms = rules::instant(s).map_err(invalid(Field::IncidentAt))?;
            if ms > now_ms() {
                return Err(AppError::validation(
                    Field::IncidentAt,
                    Problem::InTheFuture,
                ));
            }
            Some(ms)
        }
    };
    let unit = Some(input.unit.trim().to_string()).filter(|u| !u.is_empty());
    let place = text(&input.place, 300, false).map_err(invalid(Field::Place))?;
    let name =
        text(&input.complainant_name, 200, false).map_err(invalid(Field::ComplainantName))?;
    let contact =
        text(&input.complainant_contact, 300, false).map_err(invalid(Field::ComplainantContact))?;
    let (complainant, complainant_name, complainant_contact) = match input.complainant.trim() {
        "" | "none" => {
            if name.is_empty() && !contact.is_empty() {
                return Err(AppError::validation(
                    Field::ComplainantName,
                    Problem::Required,
                ));
            }
            if !name.is_empty() {
                // A name given means a named complainant.
                ("named", Some(name), Some(contact))
            } else {
                ("none", None, None)
            }
        }
        "anonymous" => {
            if !name.is_empty() || !contact.is_empty() {
                return Err(AppError::validation(
                    Field::ComplainantName,
                    Problem::AnonymousHasNoName,
                ));
            }
            ("anonymous", None, None)
        }
        "named" => {
            if name.is_empty() {
                return Err(AppError::validation(
                    Field::ComplainantName,
                    Problem::Required,
                ));
            }
            ("named", Some(name), Some(contact))
        }
        other => {
            return Err(AppError::validation(
                Field::Complainant,
                Problem::not_one_of(other, &["none", "anonymous", "named"]),
            ))
        }
    };
    let accused = match input.accused.trim() {
        "" => None,
        b => Some(
            rules::badge_number(b)
                .map_err(invalid(Field::BadgeNumber))?
                .to_string(),
        ),
    };
    let test = match input.test.trim() {
        "" => None,
        t => Some(
            t.parse::<i64>()
                .map_err(|_| AppError::validation(Field::Test, Problem::NoTestOfSubject))?,
        ),
    };
    let segment = Some(input.segment.trim().to_string()).filter(|s| !s.is_empty());
    let evidence_reason = if test.is_some() || segment.is_some() {
        text(&input.evidence_reason, 500, true).map_err(invalid(Field::Reason))?
    } else {
        String::new()
    };
    Ok(CleanCase {
        test,
        segment,
        evidence_reason,
        title,
        summary,
        origin,
        intake_on,
        incident_at,
        unit,
        place,
        complainant,
        complainant_name,
        complainant_contact,
        accused,
    })
}

/// Opens a case at intake. An investigator who opens one is assigned to it.
/// Answers the new case's number.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn create_case(
    db: &Db,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    deadlines: &CaseDeadlines,
    input: &CaseInput,
) -> Result<String, AppError> {
    let mut tx = AuditedTx::begin(db, actor).await?;
    let number = create_case_in(&mut tx, actor, ip, deadlines, input, crate::time::today()).await?;
    tx.commit().await?;
    Ok(number)
}

/// [`create_case`] in the caller's transaction (the demo loader's), as of
/// `today`.
pub async fn create_case_in(
    tx: &mut AuditedTx,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    deadlines: &CaseDeadlines,
    input: &CaseInput,
    today: NaiveDate,
) -> Result<String, AppError> {
    let c = clean_case(input, today)?;
    let (unit_id, region_id) = match &c.unit {
        None => (None, None),
        Some(code) => {
            let r = sqlx::query("SELECT u.id, u.kind, u.parent_id FROM units u WHERE u.code = $1")
                .bind(code)
                .fetch_optional(tx.conn())
                .await?
                .ok_or_else(|| {
                    AppError::validation(Field::Unit, Problem::NoUnit { unit: code.clone() })
                })?;
            let (id, kind, parent): (i64, String, Option<i64>) =
                (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
            match kind.as_str() {
                "station" => (Some(id), parent),
                "region" => (Some(id), Some(id)),
                _ => (Some(id), None),
            }
        }
    };
    let assigned = actor
        .principal()
        .has_role(crate::policy::Role::Investigator)
        .then(|| actor.user_id())
        .flatten();
    let year = chrono::Datelike::year(&c.intake_on);
    let (seq, number) = next_number(tx.conn(), year).await?;
    let now = now_ms();
    let due = workflow::due_at_intake(c.intake_on, deadlines);
    let id: i64 = sqlx::query(
        "INSERT INTO cases (number, year, seq, title, summary, origin, intake_on, incident_at, unit_id, \
         region_id, place, status, sealed, assigned_to, due_on, complainant, complainant_name, \
         complainant_contact, created_by, created_at, updated_at, status_changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'intake', 0, $12, $13, $14, $15, $16, $17, $18, $18, $18) \
         RETURNING id",
    )
    .bind(&number)
    .bind(i64::from(year))
    .bind(seq)
    .bind(&c.title)
    .bind(&c.summary)
    .bind(c.origin.as_str())
    .bind(iso(c.intake_on))
    .bind(c.incident_at)
    .bind(unit_id)
    .bind(region_id)
    .bind(&c.place)
    .bind(assigned)
    .bind(iso(due))
    .bind(c.complainant)
    .bind(&c.complainant_name)
    .bind(&c.complainant_contact)
    .bind(actor.label())
    .bind(now)
    .fetch_one(tx.conn())
    .await?
    .try_get(0)?;
    tx.audit(&entry(
        ip,
        AuditAction::CaseCreated,
        &number,
        json!({
            "title": c.title, "origin": c.origin, "intake_on": iso(c.intake_on),
            "unit": c.unit, "complainant": c.complainant, "due_on": iso(due),
            "assigned_to": assigned.map(|_| actor.label()),
        }),
    ))
    .await?;
    if let Some(badge) = &c.accused {
        insert_subject(
            tx,
            ip,
            id,
            &number,
            badge,
            SubjectRole::Accused,
            actor.label(),
        )
        .await?;
    }
    if let Some(test) = c.test {
        super::evidence::link_test_in(tx, actor, ip, &number, test, &c.evidence_reason).await?;
    }
    if let Some(segment) = &c.segment {
        super::evidence::link_footage_in(tx, actor, ip, &number, segment, None, &c.evidence_reason)
            .await?;
    }
    refresh_search(tx, id).await?;
    Ok(number)
}

async fn insert_subject(
    tx: &mut AuditedTx,
    ip: &str,
    case_id: i64,
    number: &str,
    badge: &str,
    role: SubjectRole,
    by: &str,
) -> Result<i64, AppError> {
    let officer = crate::officers::write::lock_officer(tx.conn(), badge).await?;
    if let Some(r) =
        sqlx::query("SELECT role FROM case_subjects WHERE case_id = $1 AND officer_id = $2")
            .bind(case_id)
            .bind(officer.id)
            .fetch_optional(tx.conn())
            .await?
    {
        return Err(AppError::validation(
            Field::BadgeNumber,
            Problem::AlreadySubject {
                badge: badge.to_string(),
                role: SubjectRole::from_stored(&r.try_get::<String, _>(0)?)?,
            },
        ));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO case_subjects (case_id, officer_id, role, added_by, added_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(case_id)
    .bind(officer.id)
    .bind(role.as_str())
    .bind(by)
    .bind(now_ms())
    .fetch_one(tx.conn())
    .await?
    .try_get(0)?;
    tx.audit(&entry(
        ip,
        AuditAction::SubjectAdded,
        number,
        json!({ "badge_number": badge, "role": role }),
    ))
    .await?;
    Ok(id)
}

/// Adds an officer to a case as accused, witness or involved.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn add_subject(
    db: &Db,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    badge_number: &str,
    role: &str,
) -> Result<(), AppError> {
    let badge = rules::badge_number(badge_number).map_err(invalid(Field::BadgeNumber))?;
    let role = SubjectRole::parse(role.trim()).ok_or_else(|| {
        AppError::validation(
            Field::Role,
            Problem::not_one_of(role, &SubjectRole::codes()),
        )
    })?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    add_subject_in(&mut tx, actor, ip, number, &badge, role).await?;
    tx.commit().await
}

/// [`add_subject`] in the caller's transaction; answers the subject's id.
pub async fn add_subject_in(
    tx: &mut AuditedTx,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    badge: &str,
    role: SubjectRole,
) -> Result<i64, AppError> {
    let (head, grant) = lock(tx, actor, number).await?;
    at(&head, workflow::subjects_open(head.status))?;
    let id = insert_subject(
        tx,
        ip,
        head.id,
        &head.number,
        badge,
        role,
        grant.permit().label(),
    )
    .await?;
    touch(tx, head.id).await?;
    refresh_search(tx, head.id).await?;
    Ok(id)
}

/// An allegation against an accused subject (one of each kind).
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn add_allegation(
    db: &Db,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    subject: i64,
    kind: &str,
) -> Result<(), AppError> {
    let kind = AllegationKind::parse(kind.trim()).ok_or_else(|| {
        AppError::validation(
            Field::Kind,
            Problem::not_one_of(kind, &AllegationKind::codes()),
        )
    })?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    add_allegation_in(&mut tx, actor, ip, number, subject, kind).await?;
    tx.commit().await
}

/// [`add_allegation`] in the caller's transaction; answers its id.
pub async fn add_allegation_in(
    tx: &mut AuditedTx,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    subject: i64,
    kind: AllegationKind,
) -> Result<i64, AppError> {
    let (head, _grant) = lock(tx, actor, number).await?;
    at(&head, workflow::subjects_open(head.status))?;
    touch(tx, head.id).await?;
    let r = sqlx::query(
        "SELECT s.role, o.badge_number FROM case_subjects s JOIN officers o ON o.id = s.officer_id \
         WHERE s.id = $1 AND s.case_id = $2",
    )
    .bind(subject)
    .bind(head.id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| AppError::validation(Field::Subject, Problem::NoSuchSubject))?;
    let (role, badge): (String, String) = (r.try_get(0)?, r.try_get(1)?);
    if role != SubjectRole::Accused.as_str() {
        return Err(AppError::validation(
            Field::Subject,
            Problem::NotAccused { badge },
        ));
    }
    let exists = sqlx::query("SELECT 1 FROM case_allegations WHERE subject_id = $1 AND kind = $2")
        .bind(subject)
        .bind(kind.as_str())
        .fetch_optional(tx.conn())
        .await?;
    if exists.is_some() {
        return Err(AppError::validation(
            Field::Kind,
            Problem::AllegationExists { kind },
        ));
    }
    let id: i64 = sqlx::query(
        "INSERT INTO case_allegations (case_id, subject_id, kind, finding, added_by, added_at) \
         VALUES ($1, $2, $3, 'pending', $4, $5) RETURNING id",
    )
    .bind(head.id)
    .bind(subject)
    .bind(kind.as_str())
    .bind(actor.label())
    .bind(now_ms())
    .fetch_one(tx.conn())
    .await?
    .try_get(0)?;
    tx.audit(&entry(
        ip,
        AuditAction::AllegationAdded,
        &head.number,
        json!({ "badge_number": badge, "kind": kind }),
    ))
    .await?;
    Ok(id)
}

/// Records what the investigation found of an allegation.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn record_finding(
    db: &Db,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    allegation: i64,
    finding: &str,
) -> Result<(), AppError> {
    let finding = Finding::parse(finding.trim()).ok_or_else(|| {
        AppError::validation(
            Field::Finding,
            Problem::not_one_of(finding, &Finding::codes()),
        )
    })?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    if record_finding_in(&mut tx, actor, ip, number, allegation, finding).await? {
        tx.commit().await
    } else {
        // The same finding again: nothing to record (the transaction, which
        // wrote nothing, rolls back).
        Ok(())
    }
}

/// [`record_finding`] in the caller's transaction; answers whether the
/// finding changed (and so was recorded).
pub async fn record_finding_in(
    tx: &mut AuditedTx,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    allegation: i64,
    finding: Finding,
) -> Result<bool, AppError> {
    let (head, _grant) = lock(tx, actor, number).await?;
    at(&head, workflow::findings_open(head.status))?;
    touch(tx, head.id).await?;
    let r = sqlx::query(
        "SELECT a.kind, a.finding, o.badge_number FROM case_allegations a \
         JOIN case_subjects s ON s.id = a.subject_id JOIN officers o ON o.id = s.officer_id \
         WHERE a.id = $1 AND a.case_id = $2",
    )
    .bind(allegation)
    .bind(head.id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| AppError::validation(Field::Allegation, Problem::NoSuchAllegation))?;
    let (kind, before, badge): (String, String, String) =
        (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
    if before == finding.as_str() {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE case_allegations SET finding = $1, finding_by = $2, finding_at = $3 WHERE id = $4",
    )
    .bind(finding.as_str())
    .bind(actor.label())
    .bind(now_ms())
    .bind(allegation)
    .execute(tx.conn())
    .await?;
    tx.audit(&entry(
        ip,
        AuditAction::FindingRecorded,
        &head.number,
        json!({ "badge_number": badge, "kind": kind, "from": before, "to": finding }),
    ))
    .await?;
    Ok(true)
}

/// Adds a note (append-only; a correction points at the note it corrects).
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn add_note(
    db: &Db,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    body: &str,
    corrects: Option<i64>,
) -> Result<(), AppError> {
    let body = text(body, 20_000, true).map_err(invalid(Field::Body))?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    add_note_in(&mut tx, actor, ip, number, &body, corrects).await?;
    tx.commit().await
}

/// [`add_note`] in the caller's transaction (`body` checked); answers its id.
pub async fn add_note_in(
    tx: &mut AuditedTx,
    actor: &Permit<act::WriteCases>,
    ip: &str,
    number: &str,
    body: &str,
    corrects: Option<i64>,
) -> Result<i64, AppError> {
    let (head, _grant) = lock(tx, actor, number).await?;
    at(&head, head.status != CaseStatus::Closed)?;
    let at_ms = now_ms();
    if let Some(old) = corrects {
        sqlx::query("SELECT 1 FROM case_notes WHERE id = $1 AND case_id = $2")
            .bind(old)
            .bind(head.id)
            .fetch_optional(tx.conn())
            .await?
            .ok_or_else(|| AppError::validation(Field::Corrects, Problem::NoSuchNote))?;
    }
    let id: i64 = sqlx::query(
        "INSERT INTO case_notes (case_id, body, corrects_id, author, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(head.id)
    .bind(body)
    .bind(corrects)
    .bind(actor.label())
    .bind(at_ms)
    .fetch_one(tx.conn())
    .await?
    .try_get(0)?;
    tx.audit(&entry(
        ip,
        AuditAction::NoteAdded,
        &head.number,
        json!({ "note": id, "corrects": corrects, "chars": body.chars().count() }),
    ))
    .await?;
    touch(tx, head.id).await?;
    refresh_search(tx, head.id).await?;
    Ok(id)
}

/// Assigns the case to an investigator.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn assign(
    db: &Db,
    actor: &Permit<act::SuperviseCases>,
    ip: &str,
    number: &str,
    username: &str,
) -> Result<(), AppError> {
    let mut tx = AuditedTx::begin(db, actor).await?;
    assign_in(&mut tx, actor, ip, number, username).await?;
    tx.commit().await
}

/// [`assign`] in the caller's transaction.
pub async fn assign_in(
    tx: &mut AuditedTx,
    actor: &Permit<act::SuperviseCases>,
    ip: &str,
    number: &str,
    username: &str,
) -> Result<(), AppError> {
    let username = username.trim();
    let (head, _grant) = lock(tx, actor, number).await?;
    at(&head, workflow::subjects_open(head.status))?;
    let user: i64 = sqlx::query(
        "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id \
         WHERE u.username = $1 AND r.role = 'investigator' AND u.disabled = 0",
    )
    .bind(username)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| {
        AppError::validation(
            Field::Investigator,
            Problem::NotAnInvestigator {
                username: username.to_string(),
            },
        )
    })?
    .try_get(0)?;
    if head.assigned_to == Some(user) {
        return Err(AppError::validation(
            Field::Investigator,
            Problem::AlreadyAssigned {
                username: username.to_string(),
            },
        ));
    }
    sqlx::query("UPDATE cases SET assigned_to = $1, updated_at = $2 WHERE id = $3")
        .bind(user)
        .bind(now_ms())
        .bind(head.id)
        .execute(tx.conn())
        .await?;
    tx.audit(&entry(
        ip,
        AuditAction::CaseAssigned,
        &head.number,
        json!({ "to": username }),
    ))
    .await?;
    Ok(())
}

/// Seals or unseals a case (supervisors).
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn set_sealed(
    db: &Db,
    actor: &Permit<act::SuperviseCases>,
    ip: &str,
    number: &str,
    sealed: bool,
) -> Result<(), AppError> {
    let mut tx = AuditedTx::begin(db, actor).await?;
    set_sealed_in(&mut tx, actor, ip, number, sealed).await?;
    tx.commit().await
}

/// [`set_sealed`] in the caller's transaction.
pub async fn set_sealed_in(
    tx: &mut AuditedTx,
    actor: &Permit<act::SuperviseCases>,
    ip: &str,
    number: &str,
    sealed: bool,
) -> Result<(), AppError> {
    let (head, _grant) = lock(tx, actor, number).await?;
    at(&head, head.status != CaseStatus::Closed)?;
    match (head.sealed, sealed) {
        (true, true) => return Err(AppError::Conflict(Problem::AlreadySealed)),
        (false, false) => return Err(AppError::Conflict(Problem::NotSealed)),
        _ => {}
    }
    sqlx::query("UPDATE cases SET sealed = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(sealed))
        .bind(now_ms())
        .bind(head.id)
        .execute(tx.conn())
        .await?;
    let action = if sealed {
        AuditAction::CaseSealed
    } else {
        AuditAction::CaseUnsealed
    };
    tx.audit(&entry(ip, action, &head.number, json!({})))
        .await?;
    Ok(())
}

/// Stops the case's clock with a reason (a parallel criminal
/// investigation), or starts it again: the due date moves on by the days
/// it was stopped.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn pause_clock(
    db: &Db,
    actor: &Permit<act::SuperviseCases>,
    ip: &str,
    number: &str,
    pause: bool,
    reason: &str,
) -> Result<(), AppError> {
    let reason = text(reason, 1_000, pause).map_err(invalid(Field::Reason))?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    let (head, _grant) = lock(&mut tx, actor, number).await?;
    at(&head, workflow::has_deadline(head.status))?;
    let today = crate::time::today();
    match (&head.paused_on, pause) {
        (Some(since), true) => {
            return Err(AppError::Conflict(Problem::ClockAlreadyPaused {
                since: since.clone(),
            }))
        }
        (None, false) => return Err(AppError::Conflict(Problem::ClockRunning)),
        (None, true) => {
            sqlx::query(
                "UPDATE cases SET paused_on = $1, pause_reason = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(iso(today))
            .bind(&reason)
            .bind(now_ms())
            .bind(head.id)
            .execute(tx.conn())
            .await?;
            tx.audit(&entry(
                ip,
                AuditAction::ClockPaused,
                &head.number,
                json!({ "reason": reason }),
            ))
            .await?;
        }
        (Some(since), false) => {
            let stopped = (today - date(since)?).num_days().max(0) as u64;
            let due = head
                .due_on
                .as_deref()
                .map(date)
                .transpose()?
                .and_then(|d| d.checked_add_days(chrono::Days::new(stopped)));
            sqlx::query(
                "UPDATE cases SET paused_on = NULL, pause_reason = NULL, due_on = $1, updated_at = $2 WHERE id = $3",
            )
            .bind(due.map(iso))
            .bind(now_ms())
            .bind(head.id)
            .execute(tx.conn())
            .await?;
            tx.audit(&entry(
                ip,
                AuditAction::ClockResumed,
                &head.number,
                json!({ "paused_days": stopped, "due_on": due.map(iso), "reason": reason }),
            ))
            .await?;
        }
    }
    tx.commit().await
}

/// Takes a step of the workflow. Whose step it is the policy decides on
/// this case ([`workflow::step`] names the action).
#[tracing::instrument(skip_all, fields(actor = reader.label()))]
pub async fn move_case(
    db: &Db,
    reader: &Permit<act::ReadCases>,
    ip: &str,
    deadlines: &CaseDeadlines,
    number: &str,
    step: &str,
    reason: &str,
) -> Result<(), AppError> {
    let step = CaseMove::parse(step.trim()).ok_or_else(|| {
        AppError::validation(Field::Move, Problem::not_one_of(step, &CaseMove::codes()))
    })?;
    let refused = || crate::policy::refusal(reader.principal(), workflow::step(step).2);
    let today = crate::time::today();
    // The step as the holder of its action: one permit type per action.
    macro_rules! taken_as {
        ($action:expr) => {{
            let p = reader.also($action, Object::Any).ok_or_else(refused)?;
            move_as(db, &p, ip, deadlines, number, step, reason, today).await
        }};
    }
    match workflow::step(step).2 {
        Action::WriteCases => taken_as!(act::WriteCases),
        Action::SuperviseCases => taken_as!(act::SuperviseCases),
        Action::DecideCase => taken_as!(act::DecideCase),
        _ => Err(AppError::Internal),
    }
}

#[allow(clippy::too_many_arguments)]
async fn move_as<A: WriteAction>(
    db: &Db,
    actor: &Permit<A>,
    ip: &str,
    deadlines: &CaseDeadlines,
    number: &str,
    step: CaseMove,
    reason: &str,
    today: NaiveDate,
) -> Result<(), AppError> {
    let mut tx = AuditedTx::begin(db, actor).await?;
    move_in(&mut tx, actor, ip, deadlines, number, step, reason, today).await?;
    tx.commit().await
}

/// [`move_case`] in the caller's transaction, as of `today`.
#[allow(clippy::too_many_arguments)]
pub async fn move_in<A: WriteAction>(
    tx: &mut AuditedTx,
    actor: &Permit<A>,
    ip: &str,
    deadlines: &CaseDeadlines,
    number: &str,
    step: CaseMove,
    reason: &str,
    today: NaiveDate,
) -> Result<(), AppError> {
    let (from, to, action) = workflow::step(step);
    if action != A::ACTION {
        return Err(AppError::Internal);
    }
    let reason =
        text(reason, 2_000, workflow::needs_reason(step)).map_err(invalid(Field::Reason))?;
    let (head, _grant) = lock(tx, actor, number).await?;
    at(&head, head.status == from)?;
    if step == CaseMove::SendToMinistry {
        ready_for_ministry(tx.conn(), head.id).await?;
    }
    let due = workflow::due_after(
        step,
        today,
        date(&head.intake_on)?,
        head.due_on.as_deref().map(date).transpose()?,
        deadlines,
    );
    sqlx::query(
        "UPDATE cases SET status = $1, due_on = $2, status_changed_at = $3, updated_at = $3, \
         paused_on = NULL, pause_reason = NULL, \
         appealed_at = CASE WHEN $4 = 1 THEN $3 ELSE appealed_at END WHERE id = $5",
    )
    .bind(to.as_str())
    .bind(due.map(iso))
    .bind(now_ms())
    .bind(i64::from(step == CaseMove::Appeal))
    .bind(head.id)
    .execute(tx.conn())
    .await?;
    tx.audit(&entry(
        ip,
        AuditAction::CaseMoved,
        &head.number,
        json!({
            "from": from, "to": to, "due_on": due.map(iso),
            "reason": if reason.is_empty() { None } else { Some(reason) },
        }),
    ))
    .await?;
    Ok(())
}

/// A case goes to the ministry with at least one accused officer facing
/// an allegation, and a finding for every allegation.
async fn ready_for_ministry(conn: &mut AnyConnection, case_id: i64) -> Result<(), AppError> {
    let accused: i64 = sqlx::query(
        "SELECT COUNT(*) FROM case_allegations a JOIN case_subjects s ON s.id = a.subject_id \
         WHERE a.case_id = $1 AND s.role = 'accused'",
    )
    .bind(case_id)
    .fetch_one(&mut *conn)
    .await?
    .try_get(0)?;
    if accused == 0 {
        return Err(AppError::Conflict(Problem::NoAccused));
    }
    if let Some(r) = sqlx::query(
        "SELECT o.badge_number FROM case_allegations a JOIN case_subjects s ON s.id = a.subject_id \
         JOIN officers o ON o.id = s.officer_id \
         WHERE a.case_id = $1 AND s.role = 'accused' AND a.finding = 'pending' ORDER BY a.id LIMIT 1",
    )
    .bind(case_id)
    .fetch_optional(conn)
    .await?
    {
        return Err(AppError::Conflict(Problem::FindingsPending {
            badge: r.try_get(0)?,
        }));
    }
    Ok(())
}

/// The ministry's decision on one accused officer, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DecisionInput {
    pub subject: i64,
    pub outcome: String,
    /// Suspensions only: 1 to 365.
    pub days: String,
    pub basis: String,
    /// The resolution's date; empty: today.
    pub decided_on: String,
}

/// Records the ministry's decision on an accused officer. `dismissed` and
/// `suspended` change the officer's status (through the officers feature)
/// in the same transaction; a decision that replaces one made before an
/// appeal puts back the status the earlier one had set aside. When every
/// accused officer has a decision, the case is `decided`.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn decide(
    db: &Db,
    actor: &Permit<act::DecideCase>,
    ip: &str,
    number: &str,
    input: &DecisionInput,
) -> Result<(), AppError> {
    let mut tx = AuditedTx::begin(db, actor).await?;
    decide_in(&mut tx, actor, ip, number, input, crate::time::today()).await?;
    tx.commit().await
}

/// [`decide`] in the caller's transaction, as of `today`.
pub async fn decide_in(
    tx: &mut AuditedTx,
    actor: &Permit<act::DecideCase>,
    ip: &str,
    number: &str,
    input: &DecisionInput,
    today: NaiveDate,
) -> Result<(), AppError> {
    let outcome = Outcome::parse(input.outcome.trim()).ok_or_else(|| {
        AppError::validation(
            Field::Outcome,
            Problem::not_one_of(&input.outcome, &Outcome::codes()),
        )
    })?;
    let days = match (outcome, input.days.trim()) {
        (Outcome::Suspended, d) => Some(
            d.parse::<i64>()
                .ok()
                .filter(|n| (1..=365).contains(n))
                .ok_or_else(|| AppError::validation(Field::Days, Problem::SuspensionDays))?,
        ),
        (_, "") => None,
        _ => {
            return Err(AppError::validation(
                Field::Days,
                Problem::NoDaysUnlessSuspended,
            ))
        }
    };
    let basis = text(&input.basis, 10_000, true).map_err(invalid(Field::Basis))?;
    let decided_on = if input.decided_on.trim().is_empty() {
        today
    } else {
        date(&rules::past_date(&input.decided_on, today).map_err(invalid(Field::DecidedOn))?)?
    };
    let (head, grant) = lock(tx, actor, number).await?;
    at(&head, head.status == CaseStatus::MinistryReview)?;
    if iso(decided_on) < head.intake_on {
        return Err(AppError::validation(
            Field::DecidedOn,
            Problem::BeforeIntake {
                intake_on: head.intake_on.clone(),
            },
        ));
    }
    // The ministry resolves what it was sent: not before the day it was.
    let sent_at: i64 = sqlx::query("SELECT status_changed_at FROM cases WHERE id = $1")
        .bind(head.id)
        .fetch_one(tx.conn())
        .await?
        .try_get(0)?;
    let sent_on = crate::time::date_of(sent_at);
    if decided_on < sent_on {
        return Err(AppError::validation(
            Field::DecidedOn,
            Problem::BeforeSentToMinistry {
                sent_on: iso(sent_on),
            },
        ));
    }
    let r = sqlx::query(
        "SELECT s.role, o.badge_number, o.status, o.status_changed_on, o.id FROM case_subjects s \
         JOIN officers o ON o.id = s.officer_id WHERE s.id = $1 AND s.case_id = $2",
    )
    .bind(input.subject)
    .bind(head.id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| AppError::validation(Field::Subject, Problem::NoSuchSubject))?;
    let (role, badge, status, status_on, _officer): (String, String, String, Option<String>, i64) = (
        r.try_get(0)?,
        r.try_get(1)?,
        r.try_get(2)?,
        r.try_get(3)?,
        r.try_get(4)?,
    );
    if role != SubjectRole::Accused.as_str() {
        return Err(AppError::validation(
            Field::Subject,
            Problem::NotAccused { badge },
        ));
    }
    let mut current_status = OfficerStatus::from_stored(&status)?;
    let mut current_on = status_on;
    // A decision made before an appeal is replaced; the status it set
    // aside comes back first.
    let earlier = sqlx::query(
        "SELECT id, outcome, status_before, status_on_before FROM case_decisions \
         WHERE subject_id = $1 AND superseded_at IS NULL",
    )
    .bind(input.subject)
    .fetch_optional(tx.conn())
    .await?;
    let mut replaced = None;
    // A decision that keeps the outcome keeps the status to put back.
    let mut carried = (None, None);
    if let Some(e) = earlier {
        let (id, old, before, before_on): (i64, String, Option<String>, Option<String>) =
            (e.try_get(0)?, e.try_get(1)?, e.try_get(2)?, e.try_get(3)?);
        sqlx::query("UPDATE case_decisions SET superseded_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(id)
            .execute(tx.conn())
            .await?;
        if let Some(before) = before.clone().filter(|_| old != outcome.as_str()) {
            let before = OfficerStatus::from_stored(&before)?;
            crate::officers::store::status_by_decision(
                tx,
                &grant,
                ip,
                &badge,
                before,
                &iso(decided_on),
                "Decisión cambiada en apelación: se restablece la situación anterior",
                head.id,
            )
            .await?;
            current_status = before;
            current_on = before_on;
        } else if old == outcome.as_str() {
            carried = (before, before_on);
        }
        replaced = Some(old);
    }
    let sets = match outcome {
        Outcome::Dismissed => Some(OfficerStatus::Dismissed),
        Outcome::Suspended => Some(OfficerStatus::Suspended),
        _ => None,
    };
    // A dismissal ends any status; a suspension applies to an officer in
    // service (one already dismissed or retired keeps their status).
    let applies = |s: OfficerStatus| {
        s != current_status
            && (s == OfficerStatus::Dismissed || current_status == OfficerStatus::Active)
    };
    let (status_before, status_on_before) = match sets {
        Some(s) if applies(s) => {
            // The history is the force's record: written in Spanish.
            let spanish = crate::i18n::Locale::es;
            let reason = match days {
                // The case is linked by its id, and named only to readers
                // who may see it: the reason does not name it.
                Some(d) => format!(
                    "Decisión del Ministerio: {} ({d} días)",
                    outcome.label(spanish)
                ),
                None => format!("Decisión del Ministerio: {}", outcome.label(spanish)),
            };
            crate::officers::store::status_by_decision(
                tx,
                &grant,
                ip,
                &badge,
                s,
                &iso(decided_on),
                &reason,
                head.id,
            )
            .await?;
            (Some(current_status.as_str().to_string()), current_on)
        }
        _ => carried,
    };
    sqlx::query(
        "INSERT INTO case_decisions (case_id, subject_id, outcome, suspension_days, basis, decided_on, \
         decided_by, decided_at, status_before, status_on_before) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(head.id)
    .bind(input.subject)
    .bind(outcome.as_str())
    .bind(days)
    .bind(&basis)
    .bind(iso(decided_on))
    .bind(actor.label())
    .bind(now_ms())
    .bind(&status_before)
    .bind(&status_on_before)
    .execute(tx.conn())
    .await?;
    tx.audit(&entry(
        ip,
        AuditAction::DecisionRecorded,
        &head.number,
        json!({
            "badge_number": badge, "outcome": outcome, "days": days,
            "decided_on": iso(decided_on), "replaces": replaced,
        }),
    ))
    .await?;
    // Every accused officer decided: the case is decided.
    let undecided: i64 = sqlx::query(
        "SELECT COUNT(*) FROM case_subjects s WHERE s.case_id = $1 AND s.role = 'accused' \
         AND NOT EXISTS (SELECT 1 FROM case_decisions d JOIN cases c ON c.id = d.case_id \
             WHERE d.subject_id = s.id AND d.superseded_at IS NULL \
             AND d.decided_at >= COALESCE(c.appealed_at, 0))",
    )
    .bind(head.id)
    .fetch_one(tx.conn())
    .await?
    .try_get(0)?;
    if undecided == 0 {
        sqlx::query(
            "UPDATE cases SET status = 'decided', due_on = NULL, paused_on = NULL, pause_reason = NULL, \
             decided_on = $1, status_changed_at = $2, updated_at = $2 WHERE id = $3",
        )
        .bind(iso(decided_on))
        .bind(now_ms())
        .bind(head.id)
        .execute(tx.conn())
        .await?;
        tx.audit(&entry(
            ip,
            AuditAction::CaseMoved,
            &head.number,
            json!({ "from": CaseStatus::MinistryReview, "to": CaseStatus::Decided }),
        ))
        .await?;
    }
    Ok(())
}
