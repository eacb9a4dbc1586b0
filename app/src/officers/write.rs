//! Changes to officer records (server only): creating and editing officers,
//! vehicle assignments, badge chips and confidence tests. Each write checks
//! its input with [`super::rules`], runs in one [`AuditedTx`] and commits
//! with the audit record that describes it. Reading confidence tests is
//! audited too.

use chrono::NaiveDate;
use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::rules;
use super::{AssignmentInput, ChipInput, OfficerInput, TestInput, TestRow};
use crate::audit::{AuditAction, AuditEntry, AuditedRead, AuditedTx};
use crate::codes::{AssignmentRole, OfficerStatus, Rank, TestKind, TestResult};
use crate::error::{AppError, Field, Problem};
use crate::ids::{OfficerId, UnitId};
use crate::policy::{act, Permit};
use crate::search::officer_key;
use crate::store::Db;
use crate::time::now_ms;
use crate::values::{BadgeNumber, Plate};

/// The columns of a stored officer, for bulk inserts (demo data, import).
pub const OFFICER_COLUMNS: &[&str] = &[
    "badge_number",
    "given_names",
    "family_names",
    "rank",
    "unit_id",
    "status",
    "status_changed_on",
    "hire_date",
    "national_id",
    "search_key",
    "created_at",
    "updated_at",
];

/// The columns of a stored vehicle assignment, for bulk inserts.
pub const ASSIGNMENT_COLUMNS: &[&str] = &[
    "officer_id",
    "vehicle_id",
    "starts_at",
    "ends_at",
    "role",
    "recorded_by",
    "recorded_at",
];

/// The columns of a stored confidence test, for bulk inserts.
pub const TEST_COLUMNS: &[&str] = &[
    "officer_id",
    "kind",
    "taken_on",
    "result",
    "examiner",
    "notes",
    "recorded_by",
    "recorded_at",
];

/// A refused field: its name (the form field and CSV column) and why.
pub type FieldProblem = (Field, Problem);

fn field(name: Field) -> impl Fn(Problem) -> FieldProblem {
    move |problem| (name, problem)
}

fn invalid((field, problem): FieldProblem) -> AppError {
    AppError::validation(field, problem)
}

/// Today in the configured zone.
pub fn today() -> NaiveDate {
    crate::time::today()
}

/// An officer that meets every rule that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanOfficer {
    pub badge_number: BadgeNumber,
    pub given_names: String,
    pub family_names: String,
    pub rank: Rank,
    pub unit: String,
    pub status: OfficerStatus,
    pub hire_date: String,
    pub national_id: Option<String>,
}

pub fn clean_officer(input: &OfficerInput, today: NaiveDate) -> Result<CleanOfficer, FieldProblem> {
    let status = if input.status.trim().is_empty() {
        OfficerStatus::Active
    } else {
        rules::status(&input.status).map_err(field(Field::Status))?
    };
    Ok(CleanOfficer {
        badge_number: rules::badge_number(&input.badge_number)
            .map_err(field(Field::BadgeNumber))?,
        given_names: rules::name(&input.given_names).map_err(field(Field::GivenNames))?,
        family_names: rules::name(&input.family_names).map_err(field(Field::FamilyNames))?,
        rank: rules::rank(&input.rank).map_err(field(Field::Rank))?,
        unit: {
            let unit = input.unit.trim();
            if unit.is_empty() {
                return Err((Field::Unit, Problem::Required));
            }
            unit.to_string()
        },
        status,
        hire_date: rules::hire_date(&input.hire_date, today).map_err(field(Field::HireDate))?,
        national_id: rules::national_id(&input.national_id).map_err(field(Field::NationalId))?,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanAssignment {
    pub badge_number: BadgeNumber,
    pub plate: Plate,
    pub from: i64,
    pub to: i64,
    pub role: AssignmentRole,
}

pub fn clean_assignment(input: &AssignmentInput) -> Result<CleanAssignment, FieldProblem> {
    let badge_number =
        rules::badge_number(&input.badge_number).map_err(field(Field::BadgeNumber))?;
    let plate = rules::plate(&input.vehicle).map_err(field(Field::Vehicle))?;
    let from = rules::instant(&input.from).map_err(field(Field::From))?;
    let to = rules::instant(&input.to).map_err(field(Field::To))?;
    rules::shift(from, to)?;
    Ok(CleanAssignment {
        badge_number,
        plate,
        from,
        to,
        role: rules::assignment_role(&input.role).map_err(field(Field::Role))?,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanTest {
    pub badge_number: BadgeNumber,
    pub kind: TestKind,
    pub date: String,
    pub result: TestResult,
    pub examiner: String,
    pub notes: String,
}

pub fn clean_test(input: &TestInput, today: NaiveDate) -> Result<CleanTest, FieldProblem> {
    Ok(CleanTest {
        badge_number: rules::badge_number(&input.badge_number)
            .map_err(field(Field::BadgeNumber))?,
        kind: rules::test_kind(&input.kind).map_err(field(Field::Kind))?,
        date: rules::past_date(&input.date, today).map_err(field(Field::Date))?,
        result: rules::test_result(&input.result).map_err(field(Field::Result))?,
        examiner: rules::required_text(&input.examiner, 200).map_err(field(Field::Examiner))?,
        notes: rules::optional_text(&input.notes, 4_000).map_err(field(Field::Notes))?,
    })
}

/// What a write needs to know about an officer.
pub struct OfficerRef {
    pub id: OfficerId,
    pub hire_date: String,
}

/// Finds an officer by badge number and locks the row until the end of the
/// transaction, so that two writers checking the same officer's shifts take
/// turns (SQLite's `BEGIN IMMEDIATE` already serialises all writers).
pub async fn lock_officer(
    conn: &mut AnyConnection,
    badge_number: &str,
) -> Result<OfficerRef, AppError> {
    let row = sqlx::query(
        "UPDATE officers SET updated_at = updated_at WHERE badge_number = $1 RETURNING id, hire_date",
    )
    .bind(badge_number)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| {
        AppError::validation(
            Field::BadgeNumber,
            Problem::NoOfficer {
                badge: badge_number.to_string(),
            },
        )
    })?;
    Ok(OfficerRef {
        id: row.try_get(0)?,
        hire_date: row.try_get(1)?,
    })
}

async fn unit_id(conn: &mut AnyConnection, code: &str) -> Result<UnitId, AppError> {
    sqlx::query("SELECT id FROM units WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await?
        .map(|r| r.try_get::<UnitId, _>(0))
        .transpose()?
        .ok_or_else(|| {
            AppError::validation(
                Field::Unit,
                Problem::NoUnit {
                    unit: code.to_string(),
                },
            )
        })
}

fn entry(
    ip: &str,
    action: AuditAction,
    object_type: &'static str,
    object_id: &str,
    details: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        action,
        object_type,
        object_id: object_id.to_string(),
        outcome: "ok",
        ip: ip.to_string(),
        details,
    }
}

/// Adds an officer.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn create_officer(
    db: &Db,
    actor: &Permit<act::WriteOfficers>,
    ip: &str,
    input: &OfficerInput,
) -> Result<(), AppError> {
    let o = clean_officer(input, today()).map_err(invalid)?;
    if o.status.by_decision() {
        return Err(AppError::validation(
            Field::Status,
            Problem::StatusFromDecision { status: o.status },
        ));
    }
    let mut tx = AuditedTx::begin(db, actor).await?;
    if let Some(row) =
        sqlx::query("SELECT given_names, family_names FROM officers WHERE badge_number = $1")
            .bind(&o.badge_number)
            .fetch_optional(tx.conn())
            .await?
    {
        let (given, family): (String, String) = (row.try_get(0)?, row.try_get(1)?);
        return Err(AppError::validation(
            Field::BadgeNumber,
            Problem::BadgeTaken {
                badge: o.badge_number.to_string(),
                name: format!("{given} {family}"),
            },
        ));
    }
    let unit = unit_id(tx.conn(), &o.unit).await?;
    insert_officer(tx.conn(), &o, unit, now_ms()).await?;
    tx.audit(&entry(
        ip,
        AuditAction::OfficerCreated,
        "officer",
        &o.badge_number,
        json!({
            "given_names": o.given_names, "family_names": o.family_names, "rank": o.rank,
            "unit": o.unit, "status": o.status, "hire_date": o.hire_date,
            "national_id": if o.national_id.is_some() { "recorded" } else { "none" },
        }),
    ))
    .await?;
    tx.commit().await
}

/// Inserts a checked officer (no audit record: the caller writes it).
pub async fn insert_officer(
    conn: &mut AnyConnection,
    o: &CleanOfficer,
    unit_id: UnitId,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO officers (badge_number, given_names, family_names, rank, unit_id, status, \
         hire_date, national_id, search_key, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(&o.badge_number)
    .bind(&o.given_names)
    .bind(&o.family_names)
    .bind(o.rank.as_str())
    .bind(unit_id)
    .bind(o.status.as_str())
    .bind(&o.hire_date)
    .bind(&o.national_id)
    .bind(officer_key(
        &o.badge_number,
        &o.given_names,
        &o.family_names,
    ))
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Edits an officer's names, rank, unit, hire date and (when given) national
/// ID. The badge number never changes; the status changes through
/// [`super::store::change_status`], which keeps its history. Saving without
/// a change writes nothing.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn update_officer(
    db: &Db,
    actor: &Permit<act::WriteOfficers>,
    ip: &str,
    input: &OfficerInput,
) -> Result<(), AppError> {
    let o = clean_officer(input, today()).map_err(invalid)?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    let officer = lock_officer(tx.conn(), &o.badge_number).await?;
    let row = sqlx::query(
        "SELECT o.given_names, o.family_names, o.rank, u.code, o.hire_date, o.national_id \
         FROM officers o JOIN units u ON u.id = o.unit_id WHERE o.id = $1",
    )
    .bind(officer.id)
    .fetch_one(tx.conn())
    .await?;
    let before: [String; 5] = [
        row.try_get(0)?,
        row.try_get(1)?,
        row.try_get(2)?,
        row.try_get(3)?,
        row.try_get(4)?,
    ];
    let national_id: Option<String> = row.try_get(5)?;
    let after = [
        o.given_names.as_str(),
        o.family_names.as_str(),
        o.rank.as_str(),
        o.unit.as_str(),
        o.hire_date.as_str(),
    ];
    let names = ["given_names", "family_names", "rank", "unit", "hire_date"];
    let mut changes = serde_json::Map::new();
    for ((name, b), a) in names.iter().zip(&before).zip(after) {
        if b != a {
            changes.insert((*name).into(), json!({ "from": b, "to": a }));
        }
    }
    // An empty national ID on the form means "leave it as it is".
    let new_national_id = o.national_id.clone().or(national_id.clone());
    if new_national_id != national_id {
        // The trail says that it changed, not what it is.
        changes.insert("national_id".into(), json!("changed"));
    }
    if changes.is_empty() {
        return Ok(());
    }
    let unit = unit_id(tx.conn(), &o.unit).await?;
    sqlx::query(
        "UPDATE officers SET given_names = $1, family_names = $2, rank = $3, unit_id = $4, \
         hire_date = $5, national_id = $6, search_key = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(&o.given_names)
    .bind(&o.family_names)
    .bind(o.rank.as_str())
    .bind(unit)
    .bind(&o.hire_date)
    .bind(&new_national_id)
    .bind(officer_key(
        &o.badge_number,
        &o.given_names,
        &o.family_names,
    ))
    .bind(now_ms())
    .bind(officer.id)
    .execute(tx.conn())
    .await?;
    tx.audit(&entry(
        ip,
        AuditAction::OfficerUpdated,
        "officer",
        &o.badge_number,
        serde_json::Value::Object(changes),
    ))
    .await?;
    tx.commit().await
}

/// Another assignment of the officer's that shares some time with
/// `[from, to)`, as the problem to show (its plate and local times).
pub async fn overlapping_assignment(
    conn: &mut AnyConnection,
    officer_id: OfficerId,
    from: i64,
    to: i64,
) -> Result<Option<Problem>, AppError> {
    let row = sqlx::query(
        "SELECT v.plate, a.starts_at, a.ends_at FROM vehicle_assignments a \
         JOIN vehicles v ON v.id = a.vehicle_id \
         WHERE a.officer_id = $1 AND a.starts_at < $3 AND a.ends_at > $2 \
         ORDER BY a.starts_at LIMIT 1",
    )
    .bind(officer_id)
    .bind(from)
    .bind(to)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        let (plate, s, e): (String, i64, i64) = (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?);
        Ok(Problem::ShiftOverlapsAt {
            plate,
            from: rules::local_time(s),
            to: rules::local_time(e),
        })
    })
    .transpose()
}

/// Assigns an officer to a vehicle for a shift: at most 24 hours, and never
/// overlapping another of the officer's assignments.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn add_assignment(
    db: &Db,
    actor: &Permit<act::WriteOfficers>,
    ip: &str,
    input: &AssignmentInput,
) -> Result<(), AppError> {
    let a = clean_assignment(input).map_err(invalid)?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    let officer = lock_officer(tx.conn(), &a.badge_number).await?;
    let vehicle: i64 = sqlx::query("SELECT id FROM vehicles WHERE plate = $1")
        .bind(&a.plate)
        .fetch_optional(tx.conn())
        .await?
        .map(|r| r.try_get(0))
        .transpose()?
        .ok_or_else(|| {
            AppError::validation(
                Field::Vehicle,
                Problem::NoVehicle {
                    plate: a.plate.to_string(),
                },
            )
        })?;
    if let Some(overlap) = overlapping_assignment(tx.conn(), officer.id, a.from, a.to).await? {
        return Err(AppError::validation(Field::From, overlap));
    }
    let now = now_ms();
    sqlx::query(
        "INSERT INTO vehicle_assignments (officer_id, vehicle_id, starts_at, ends_at, role, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(officer.id)
    .bind(vehicle)
    .bind(a.from)
    .bind(a.to)
    .bind(a.role.as_str())
    .bind(actor.label())
    .bind(now)
    .execute(tx.conn())
    .await?;
    tx.audit(&entry(
        ip,
        AuditAction::AssignmentAdded,
        "officer",
        &a.badge_number,
        json!({ "vehicle": a.plate, "from": a.from, "to": a.to, "role": a.role }),
    ))
    .await?;
    tx.commit().await
}

/// Gives an officer a badge chip from a moment on. The chip may not be worn
/// by anyone else then (it must be returned first); the officer's previous
/// chip, if still worn, is returned at that moment. A chip id not seen
/// before is registered.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn assign_chip(
    db: &Db,
    actor: &Permit<act::WriteOfficers>,
    ip: &str,
    input: &ChipInput,
) -> Result<(), AppError> {
    let badge_number = rules::badge_number(&input.badge_number)
        .map_err(|r| AppError::validation(Field::BadgeNumber, r))?;
    let chip_id =
        rules::chip_id(&input.chip_id).map_err(|r| AppError::validation(Field::ChipId, r))?;
    let from = rules::instant(&input.from).map_err(|r| AppError::validation(Field::From, r))?;
    if from > now_ms() {
        return Err(AppError::validation(Field::From, Problem::InTheFuture));
    }
    let mut tx = AuditedTx::begin(db, actor).await?;
    let officer = lock_officer(tx.conn(), &badge_number).await?;
    let now = now_ms();
    sqlx::query(
        "INSERT INTO badges (chip_id, created_at) VALUES ($1, $2) ON CONFLICT (chip_id) DO NOTHING",
    )
    .bind(&chip_id)
    .bind(now)
    .execute(tx.conn())
    .await?;
    let badge: i64 =
        sqlx::query("UPDATE badges SET created_at = created_at WHERE chip_id = $1 RETURNING id")
            .bind(&chip_id)
            .fetch_one(tx.conn())
            .await?
            .try_get(0)?;
    // Who wears (or will have worn) the chip at or after `from`?
    if let Some(r) = sqlx::query(
        "SELECT o.badge_number, a.valid_from FROM badge_assignments a \
         JOIN officers o ON o.id = a.officer_id \
         WHERE a.badge_id = $1 AND (a.valid_to IS NULL OR a.valid_to > $2) \
         ORDER BY a.valid_from LIMIT 1",
    )
    .bind(badge)
    .bind(from)
    .fetch_optional(tx.conn())
    .await?
    {
        let (wearer, since): (String, i64) = (r.try_get(0)?, r.try_get(1)?);
        let since = rules::local_time(since);
        let reason = if wearer == badge_number.as_str() {
            Problem::AlreadyWearsChip {
                chip: chip_id.to_string(),
                since,
            }
        } else {
            Problem::ChipWornBy {
                chip: chip_id.to_string(),
                wearer,
                since,
            }
        };
        return Err(AppError::validation(Field::ChipId, reason));
    }
    // The officer's current chip comes back when the new one is handed out.
    let previous = sqlx::query(
        "SELECT a.id, b.chip_id, a.valid_from, a.badge_id FROM badge_assignments a JOIN badges b ON b.id = a.badge_id \
         WHERE a.officer_id = $1 AND a.valid_to IS NULL",
    )
    .bind(officer.id)
    .fetch_optional(tx.conn())
    .await?;
    let mut returned = None;
    if let Some(p) = previous {
        let (id, chip, since): (i64, String, i64) = (p.try_get(0)?, p.try_get(1)?, p.try_get(2)?);
        let returned_badge: i64 = p.try_get(3)?;
        if since >= from {
            return Err(AppError::validation(
                Field::From,
                Problem::ChipMustComeLater {
                    chip,
                    since: rules::local_time(since),
                },
            ));
        }
        sqlx::query("UPDATE badge_assignments SET valid_to = $1 WHERE id = $2")
            .bind(from)
            .bind(id)
            .execute(tx.conn())
            .await?;
        crate::tracking::ingest::reattribute(tx.conn(), returned_badge, from).await?;
        returned = Some(chip);
    }
    sqlx::query(
        "INSERT INTO badge_assignments (badge_id, officer_id, valid_from, valid_to) VALUES ($1, $2, $3, NULL)",
    )
    .bind(badge)
    .bind(officer.id)
    .bind(from)
    .execute(tx.conn())
    .await?;
    // Pings the chip sent from `from` on, before this was recorded, are
    // the officer's.
    crate::tracking::ingest::reattribute(tx.conn(), badge, from).await?;
    tx.audit(&entry(
        ip,
        AuditAction::ChipAssigned,
        "officer",
        &badge_number,
        json!({ "chip": chip_id, "from": from, "returned": returned }),
    ))
    .await?;
    tx.commit().await
}

/// Ends the officer's wearing of their current chip at `at`.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn return_chip(
    db: &Db,
    actor: &Permit<act::WriteOfficers>,
    ip: &str,
    badge_number: &str,
    at: &str,
) -> Result<(), AppError> {
    let badge_number = rules::badge_number(badge_number)
        .map_err(|r| AppError::validation(Field::BadgeNumber, r))?;
    let at = rules::instant(at).map_err(|r| AppError::validation(Field::At, r))?;
    if at > now_ms() {
        return Err(AppError::validation(Field::At, Problem::InTheFuture));
    }
    let mut tx = AuditedTx::begin(db, actor).await?;
    let officer = lock_officer(tx.conn(), &badge_number).await?;
    let current = sqlx::query(
        "SELECT a.id, b.chip_id, a.valid_from, a.badge_id FROM badge_assignments a JOIN badges b ON b.id = a.badge_id \
         WHERE a.officer_id = $1 AND a.valid_to IS NULL",
    )
    .bind(officer.id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or_else(|| AppError::validation(Field::ChipId, Problem::WearsNoChip))?;
    let (id, chip, since): (i64, String, i64) = (
        current.try_get(0)?,
        current.try_get(1)?,
        current.try_get(2)?,
    );
    if at <= since {
        return Err(AppError::validation(
            Field::At,
            Problem::ChipHandedOutAt {
                since: rules::local_time(since),
            },
        ));
    }
    sqlx::query("UPDATE badge_assignments SET valid_to = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(tx.conn())
        .await?;
    let badge: i64 = current.try_get(3)?;
    // Pings the chip sent from `at` on are no longer the officer's.
    crate::tracking::ingest::reattribute(tx.conn(), badge, at).await?;
    tx.audit(&entry(
        ip,
        AuditAction::ChipReturned,
        "officer",
        &badge_number,
        json!({ "chip": chip, "at": at }),
    ))
    .await?;
    tx.commit().await
}

/// Records a confidence test. One test of a kind per officer and day.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn record_test(
    db: &Db,
    actor: &Permit<act::WriteConfidenceTests>,
    ip: &str,
    input: &TestInput,
) -> Result<(), AppError> {
    let t = clean_test(input, today()).map_err(invalid)?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    let officer = lock_officer(tx.conn(), &t.badge_number).await?;
    if t.date < officer.hire_date {
        return Err(AppError::validation(
            Field::Date,
            Problem::BeforeHired {
                hire_date: officer.hire_date.clone(),
            },
        ));
    }
    if let Some(r) = sqlx::query(
        "SELECT result FROM confidence_tests WHERE officer_id = $1 AND kind = $2 AND taken_on = $3",
    )
    .bind(officer.id)
    .bind(t.kind.as_str())
    .bind(&t.date)
    .fetch_optional(tx.conn())
    .await?
    {
        let result = TestResult::from_stored(&r.try_get::<String, _>(0)?)?;
        return Err(AppError::validation(
            Field::Date,
            Problem::TestRecorded {
                kind: t.kind,
                date: t.date.clone(),
                result,
            },
        ));
    }
    insert_test(tx.conn(), officer.id, &t, actor.label(), now_ms()).await?;
    tx.audit(&entry(
        ip,
        AuditAction::ConfidenceTestRecorded,
        "officer",
        &t.badge_number,
        json!({ "kind": t.kind, "date": t.date, "result": t.result }),
    ))
    .await?;
    tx.commit().await
}

pub async fn insert_test(
    conn: &mut AnyConnection,
    officer_id: OfficerId,
    t: &CleanTest,
    recorded_by: &str,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO confidence_tests (officer_id, kind, taken_on, result, examiner, notes, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(officer_id)
    .bind(t.kind.as_str())
    .bind(&t.date)
    .bind(t.result.as_str())
    .bind(&t.examiner)
    .bind(&t.notes)
    .bind(recorded_by)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// An officer's confidence tests, newest first. The reading itself is
/// recorded in the audit trail (who read whose tests) before the tests are
/// handed over.
#[tracing::instrument(skip_all, fields(actor = actor.label()))]
pub async fn read_tests(
    db: &Db,
    actor: &Permit<act::ReadConfidenceTests>,
    ip: &str,
    badge_number: &str,
) -> Result<Vec<TestRow>, AppError> {
    let badge_number = badge_number.trim();
    let mut tx = AuditedRead::begin(db, actor).await?;
    let exists = sqlx::query("SELECT id FROM officers WHERE badge_number = $1")
        .bind(badge_number)
        .fetch_optional(tx.conn())
        .await?;
    let Some(officer) = exists else {
        return Err(AppError::NotFound(Problem::NoOfficer {
            badge: badge_number.to_string(),
        }));
    };
    let id: i64 = officer.try_get(0)?;
    let rows = sqlx::query(
        "SELECT kind, taken_on, result, examiner, notes, recorded_by, id FROM confidence_tests \
         WHERE officer_id = $1 ORDER BY taken_on DESC, id DESC",
    )
    .bind(id)
    .fetch_all(tx.conn())
    .await?
    .iter()
    .map(|r| {
        Ok(TestRow {
            kind: TestKind::from_stored(&r.try_get::<String, _>(0)?)?,
            date: r.try_get(1)?,
            result: TestResult::from_stored(&r.try_get::<String, _>(2)?)?,
            examiner: r.try_get(3)?,
            notes: r.try_get(4)?,
            recorded_by: r.try_get(5)?,
            id: r.try_get(6)?,
        })
    })
    .collect::<Result<Vec<_>, AppError>>()?;
    tx.audit(entry(
        ip,
        AuditAction::ConfidenceTestsRead,
        "officer",
        badge_number,
        json!({ "tests": rows.len() }),
    ));
    tx.finish(db, rows).await
}
