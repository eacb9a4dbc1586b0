//! Reading cases (server only). Every query carries the reader's row scope
//! ([`crate::policy::CaseScope`]) in its `WHERE`, and a single case outside
//! it is "not found": a case someone may not see does not exist for them.

use serde_json::json;
use sqlx::{AnyConnection, Row};

use super::workflow::{self, findings_open, has_deadline, subjects_open};
use super::*;
use crate::audit::{AuditAction, AuditEntry, AuditedRead};
use crate::error::{AppError, Field, Problem};
use crate::policy::{act, Action, CaseFacts, Object, Permit, Role};
use crate::store::{Backend, Db};
use crate::time::local_minute;

/// A value bound to a built query.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    Int(i64),
}

/// The `WHERE` of a case list: the reader's scope and the filter's
/// conditions, with their values in order.
#[derive(Debug, Clone)]
pub struct Selection {
    pub sql: String,
    pub binds: Vec<Bind>,
    pub order: &'static str,
    pub filter: CaseFilter,
}

fn code<T>(
    field: Field,
    given: &str,
    parse: fn(&str) -> Option<T>,
    codes: Vec<&str>,
) -> Result<T, AppError> {
    parse(given).ok_or_else(|| AppError::validation(field, Problem::not_one_of(given, &codes)))
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Whether the reader works cases as an investigator only (and so lands on
/// their own cases).
fn investigator_only(reader: &Permit<act::ReadCases>) -> bool {
    let p = reader.principal();
    p.has_role(Role::Investigator)
        && !p.has_role(Role::Supervisor)
        && !p.has_role(Role::Auditor)
        && !p.has_role(Role::Ministry)
}

impl Selection {
    /// The selection for `filter` as `reader` may see it. An investigator
    /// who asks for nothing in particular gets their own cases.
    pub fn new(
        backend: Backend,
        reader: &Permit<act::ReadCases>,
        filter: &CaseFilter,
    ) -> Result<Selection, AppError> {
        let mut filter = filter.clone();
        let untouched = filter.q.is_none()
            && filter.status.is_none()
            && filter.origin.is_none()
            && filter.allegation.is_none()
            && filter.region.is_none()
            && filter.assigned.is_none()
            && filter.overdue.is_none()
            && filter.sealed.is_none();
        if untouched && investigator_only(reader) {
            filter.assigned = Some("me".into());
        }
        let scope = reader.scope();
        let mut binds = Vec::new();
        let mut parts = Vec::new();
        let next = |binds: &Vec<Bind>| binds.len() + 1;
        parts.push(scope.sql_where("c", next(&binds)));
        if let Some(user) = scope.bound_user() {
            binds.push(Bind::Int(user));
        }
        if let Some(status) = non_empty(&filter.status) {
            let s = code(
                Field::Status,
                status,
                CaseStatus::parse,
                CaseStatus::codes(),
            )?;
            parts.push(format!("c.status = ${}", next(&binds)));
            binds.push(Bind::Text(s.as_str().into()));
        }
        if let Some(origin) = non_empty(&filter.origin) {
            let o = code(
                Field::Origin,
                origin,
                CaseOrigin::parse,
                CaseOrigin::codes(),
            )?;
            parts.push(format!("c.origin = ${}", next(&binds)));
            binds.push(Bind::Text(o.as_str().into()));
        }
        if let Some(kind) = non_empty(&filter.allegation) {
            let k = code(
                Field::Allegation,
                kind,
                AllegationKind::parse,
                AllegationKind::codes(),
            )?;
            parts.push(format!(
                "{} (SELECT a.case_id FROM case_allegations a WHERE a.kind = ${})",
                search::case_id_in(backend),
                next(&binds)
            ));
            binds.push(Bind::Text(k.as_str().into()));
        }
        if let Some(region) = non_empty(&filter.region) {
            parts.push(format!(
                "c.region_id = (SELECT id FROM units WHERE code = ${} AND kind = 'region')",
                next(&binds)
            ));
            binds.push(Bind::Text(region.into()));
        }
        match non_empty(&filter.assigned) {
            None | Some("all") => {}
            Some("me") => {
                parts.push(format!("c.assigned_to = ${}", next(&binds)));
                binds.push(Bind::Int(reader.user_id().unwrap_or(-1)));
            }
            Some("none") => parts.push("c.assigned_to IS NULL".into()),
            Some(username) => {
                parts.push(format!(
                    "c.assigned_to = (SELECT id FROM users WHERE username = ${})",
                    next(&binds)
                ));
                binds.push(Bind::Text(username.into()));
            }
        }
        match non_empty(&filter.overdue) {
            None | Some("0") => {}
            Some("1") => {
                parts.push(format!(
                    "c.due_on < ${} AND c.paused_on IS NULL AND c.status NOT IN ('decided', 'closed')",
                    next(&binds)
                ));
                binds.push(Bind::Text(
                    crate::time::today().format("%Y-%m-%d").to_string(),
                ));
            }
            Some(other) => {
                return Err(AppError::validation(
                    Field::Overdue,
                    Problem::not_one_of(other, &["1"]),
                ))
            }
        }
        match non_empty(&filter.sealed) {
            None => {}
            Some("1") => parts.push("c.sealed = 1".into()),
            Some("0") => parts.push("c.sealed = 0".into()),
            Some(other) => {
                return Err(AppError::validation(
                    Field::Sealed,
                    Problem::not_one_of(other, &["0", "1"]),
                ))
            }
        }
        if let Some(q) = non_empty(&filter.q) {
            match search::parameter(backend, q) {
                Some(p) => {
                    parts.push(search::condition(backend, next(&binds)));
                    binds.push(Bind::Text(p));
                }
                None => parts.push("1 = 0".into()),
            }
        }
        let order = match non_empty(&filter.sort) {
            None | Some("number") => "c.year DESC, c.seq DESC",
            Some("intake") => "c.intake_on DESC, c.id DESC",
            Some("due") => "CASE WHEN c.due_on IS NULL THEN 1 ELSE 0 END, c.due_on, c.id",
            // The ministry's queue: the longest waiting first.
            Some("waiting") => "c.status_changed_at, c.id",
            Some(other) => {
                return Err(AppError::validation(
                    Field::Sort,
                    Problem::not_one_of(other, &["number", "intake", "due", "waiting"]),
                ))
            }
        };
        Ok(Selection {
            sql: parts.join(" AND "),
            binds,
            order,
            filter,
        })
    }

    fn bind<'q>(
        &self,
        mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for b in &self.binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
            };
        }
        q
    }

    pub async fn count(&self, db: &Db) -> Result<i64, AppError> {
        let sql = format!("SELECT COUNT(*) FROM cases c WHERE {}", self.sql);
        Ok(self
            .bind(sqlx::query(&sql))
            .fetch_one(db.pool())
            .await?
            .try_get(0)?)
    }

    /// How many cases match, counting no further than `limit`.
    pub async fn count_up_to(&self, db: &Db, limit: i64) -> Result<i64, AppError> {
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM cases c WHERE {} LIMIT {limit}) AS m",
            self.sql
        );
        Ok(self
            .bind(sqlx::query(&sql))
            .fetch_one(db.pool())
            .await?
            .try_get(0)?)
    }

    pub async fn rows(&self, db: &Db, limit: i64, offset: i64) -> Result<Vec<CaseRow>, AppError> {
        let sql = format!(
            "SELECT c.number, c.title, c.status, c.origin, c.sealed, u.display_name, \
             r.code, r.name, c.intake_on, c.due_on, c.paused_on FROM cases c \
             LEFT JOIN users u ON u.id = c.assigned_to LEFT JOIN units r ON r.id = c.region_id \
             WHERE {} ORDER BY {} LIMIT {limit} OFFSET {offset}",
            self.sql, self.order
        );
        let today = crate::time::today().format("%Y-%m-%d").to_string();
        self.bind(sqlx::query(&sql))
            .fetch_all(db.pool())
            .await?
            .iter()
            .map(|r| {
                let status = CaseStatus::from_stored(&r.try_get::<String, _>(2)?)?;
                let due_on: Option<String> = r.try_get(9)?;
                let paused: Option<String> = r.try_get(10)?;
                let region: Option<String> = r.try_get(6)?;
                let region_name: Option<String> = r.try_get(7)?;
                Ok(CaseRow {
                    number: r.try_get(0)?,
                    title: r.try_get(1)?,
                    status,
                    origin: CaseOrigin::from_stored(&r.try_get::<String, _>(3)?)?,
                    sealed: r.try_get::<i64, _>(4)? == 1,
                    assigned: r.try_get(5)?,
                    region: match (region, region_name) {
                        (Some(c), Some(n)) => format!("{c} {n}"),
                        _ => String::new(),
                    },
                    intake_on: r.try_get(8)?,
                    overdue: workflow::overdue(due_on.as_deref(), paused.is_some(), status, &today),
                    due_on,
                    paused: paused.is_some(),
                })
            })
            .collect()
    }
}

/// A search's matches are counted up to this many: past it the list says
/// "more than 1,000" (its pages go as far) and asks for narrower words.
pub const SEARCH_COUNT_LIMIT: i64 = 1_000;

/// A page of the case list.
pub async fn list(
    db: &Db,
    reader: &Permit<act::ReadCases>,
    filter: &CaseFilter,
) -> Result<CasePage, AppError> {
    let sel = Selection::new(db.backend(), reader, filter)?;
    // A search counts its matches only up to the limit: counting every
    // match of a common word visited each matching case's row (PostgreSQL:
    // 147 ms for 8,182 matches on the national demo).
    let (total, more) = if non_empty(&sel.filter.q).is_some() {
        let n = sel.count_up_to(db, SEARCH_COUNT_LIMIT + 1).await?;
        (n.min(SEARCH_COUNT_LIMIT), n > SEARCH_COUNT_LIMIT)
    } else {
        (sel.count(db).await?, false)
    };
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = filter.page.unwrap_or(1).clamp(1, pages);
    let rows = sel.rows(db, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    Ok(CasePage {
        rows,
        total,
        more,
        page,
        pages,
        may_create: reader.also_allows(Action::WriteCases, Object::Any),
        filter: sel.filter,
    })
}

/// How many of the reader's own cases are past their due date (the count
/// beside "Cases" in the navigation).
pub async fn overdue_count(db: &Db, reader: &Permit<act::ReadCases>) -> Result<i64, AppError> {
    let Some(me) = reader.user_id() else {
        return Ok(0);
    };
    let today = crate::time::today().format("%Y-%m-%d").to_string();
    Ok(sqlx::query(
        "SELECT COUNT(*) FROM cases c WHERE c.assigned_to = $1 AND c.due_on < $2 \
         AND c.paused_on IS NULL AND c.status NOT IN ('decided', 'closed')",
    )
    .bind(me)
    .bind(today)
    .fetch_one(db.pool())
    .await?
    .try_get(0)?)
}

/// The stored facts of a case that decide who may do what to it.
#[derive(Debug, Clone)]
pub struct Head {
    pub id: i64,
    pub number: String,
    pub status: CaseStatus,
    pub sealed: bool,
    pub assigned_to: Option<i64>,
    pub intake_on: String,
    pub due_on: Option<String>,
    pub paused_on: Option<String>,
    pub complainant: String,
}

impl Head {
    pub fn facts(&self) -> CaseFacts {
        workflow::facts(self.assigned_to, self.sealed, self.status)
    }
}

/// Reads a case's head on `conn`; `lock` takes its row for the rest of the
/// transaction (PostgreSQL; SQLite's writers take turns already). `None`
/// when there is no such case.
pub async fn head(
    conn: &mut AnyConnection,
    number: &str,
    lock: bool,
) -> Result<Option<Head>, AppError> {
    let columns =
        "id, number, status, sealed, assigned_to, intake_on, due_on, paused_on, complainant";
    let sql = if lock {
        format!("UPDATE cases SET updated_at = updated_at WHERE number = $1 RETURNING {columns}")
    } else {
        format!("SELECT {columns} FROM cases WHERE number = $1")
    };
    let Some(r) = sqlx::query(&sql)
        .bind(number.trim().to_uppercase())
        .fetch_optional(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Head {
        id: r.try_get(0)?,
        number: r.try_get(1)?,
        status: CaseStatus::from_stored(&r.try_get::<String, _>(2)?)?,
        sealed: r.try_get::<i64, _>(3)? == 1,
        assigned_to: r.try_get(4)?,
        intake_on: r.try_get(5)?,
        due_on: r.try_get(6)?,
        paused_on: r.try_get(7)?,
        complainant: r.try_get(8)?,
    }))
}

/// "No such case", for a case that does not exist and for one the reader
/// may not see alike.
pub fn no_case(number: &str) -> AppError {
    AppError::NotFound(Problem::NoCase {
        number: number.trim().to_uppercase(),
    })
}

/// What `who` may do to the case now.
pub fn actions<A: crate::policy::ActionKind>(who: &Permit<A>, head: &Head) -> CaseActions {
    let facts = head.facts();
    let may = |action| who.also_allows(action, Object::Case(facts));
    let write = may(Action::WriteCases);
    let supervise = may(Action::SuperviseCases);
    let status = head.status;
    let paused = head.paused_on.is_some();
    CaseActions {
        moves: CaseMove::ALL
            .iter()
            .copied()
            .filter(|m| {
                let (from, _, action) = workflow::step(*m);
                from == status && may(action)
            })
            .collect(),
        add_subject: write && subjects_open(status),
        add_allegation: write && subjects_open(status),
        record_finding: write && findings_open(status),
        add_note: write && status != CaseStatus::Closed,
        assign: supervise && subjects_open(status),
        seal: supervise && !head.sealed && status != CaseStatus::Closed,
        unseal: supervise && head.sealed && status != CaseStatus::Closed,
        pause: supervise && has_deadline(status) && !paused,
        resume: supervise && paused,
        decide: may(Action::DecideCase) && status == CaseStatus::MinistryReview,
        link_evidence: write && subjects_open(status),
        read_tracks: who.also_allows(Action::ReadTracks, Object::Any),
    }
}

/// One case's page. The read is recorded in the audit trail (with whether
/// the complainant was shown) before the page is handed over.
pub async fn case_file(
    db: &Db,
    reader: &Permit<act::ReadCases>,
    ip: &str,
    number: &str,
    document_max_bytes: u64,
) -> Result<CaseFile, AppError> {
    let mut tx = AuditedRead::begin(db, reader).await?;
    let head = head(tx.conn(), number, false)
        .await?
        .filter(|h| reader.also_allows(Action::ReadCases, Object::Case(h.facts())))
        .ok_or_else(|| no_case(number))?;
    let unmasked = reader.also_allows(Action::ReadComplainant, Object::Case(head.facts()));
    let r = sqlx::query(
        "SELECT c.title, c.summary, c.origin, c.intake_on, c.incident_at, un.code, un.name, c.place, \
         u.username, u.display_name, c.pause_reason, c.complainant_name, c.complainant_contact, \
         c.created_by, c.decided_on FROM cases c LEFT JOIN users u ON u.id = c.assigned_to \
         LEFT JOIN units un ON un.id = c.unit_id WHERE c.id = $1",
    )
    .bind(head.id)
    .fetch_one(tx.conn())
    .await?;
    let complainant = match head.complainant.as_str() {
        "anonymous" => Complainant::Anonymous,
        "named" if unmasked => Complainant::Named {
            name: r.try_get::<Option<String>, _>(11)?.unwrap_or_default(),
            contact: r.try_get::<Option<String>, _>(12)?.unwrap_or_default(),
        },
        "named" => Complainant::Masked,
        _ => Complainant::None,
    };
    let unit: (Option<String>, Option<String>) = (r.try_get(5)?, r.try_get(6)?);
    let assigned: (Option<String>, Option<String>) = (r.try_get(8)?, r.try_get(9)?);
    let subjects = subjects(tx.conn(), head.id).await?;
    let notes = sqlx::query(
        "SELECT id, body, author, created_at, corrects_id FROM case_notes WHERE case_id = $1 ORDER BY id",
    )
    .bind(head.id)
    .fetch_all(tx.conn())
    .await?
    .iter()
    .map(|n| {
        Ok(NoteView {
            id: n.try_get(0)?,
            body: n.try_get(1)?,
            author: n.try_get(2)?,
            at: local_minute(n.try_get(3)?),
            corrects: n.try_get(4)?,
        })
    })
    .collect::<Result<Vec<_>, AppError>>()?;
    let (evidence, documents) =
        super::evidence::evidence(tx.conn(), reader, &head.number, head.id).await?;
    let actions = actions(reader, &head);
    let linkable_tests =
        if actions.link_evidence && reader.also_allows(Action::ReadConfidenceTests, Object::Any) {
            super::evidence::linkable_tests(tx.conn(), head.id).await?
        } else {
            Vec::new()
        };
    let assignable = if actions.assign {
        investigators_in(tx.conn()).await?
    } else {
        Vec::new()
    };
    let timeline = timeline(tx.conn(), &head.number).await?;
    let today = crate::time::today().format("%Y-%m-%d").to_string();
    let file = CaseFile {
        number: head.number.clone(),
        title: r.try_get(0)?,
        summary: r.try_get(1)?,
        origin: CaseOrigin::from_stored(&r.try_get::<String, _>(2)?)?,
        intake_on: r.try_get(3)?,
        incident_at: r.try_get::<Option<i64>, _>(4)?.map(local_minute),
        track_window: {
            let h4 = 4 * 3_600_000;
            let (from, to) = match r.try_get::<Option<i64>, _>(4)? {
                Some(at) => (at - h4, at + h4),
                None => {
                    let now = crate::time::now_ms();
                    (now - 2 * h4, now)
                }
            };
            (crate::time::rfc3339_utc(from), crate::time::rfc3339_utc(to))
        },
        unit: match unit {
            (Some(c), Some(n)) => Some(format!("{c} {n}")),
            _ => None,
        },
        place: r.try_get(7)?,
        status: head.status,
        sealed: head.sealed,
        assigned: match assigned {
            (Some(username), Some(display_name)) => Some(Person {
                username,
                display_name,
            }),
            _ => None,
        },
        overdue: workflow::overdue(
            head.due_on.as_deref(),
            head.paused_on.is_some(),
            head.status,
            &today,
        ),
        due_on: head.due_on.clone(),
        paused_on: head.paused_on.clone(),
        pause_reason: r.try_get(10)?,
        complainant,
        created_by: r.try_get(13)?,
        decided_on: r.try_get(14)?,
        subjects,
        notes,
        evidence,
        documents,
        linkable_tests,
        assignable,
        document_max_bytes,
        document_max: crate::format::format_bytes(document_max_bytes),
        timeline,
        actions,
    };
    let shown = match &file.complainant {
        Complainant::Named { .. } => "unmasked",
        Complainant::Masked => "masked",
        Complainant::Anonymous => "anonymous",
        Complainant::None => "none",
    };
    tx.audit(AuditEntry {
        action: AuditAction::CaseRead,
        object_type: "case",
        object_id: head.number.clone(),
        outcome: "ok",
        ip: ip.to_string(),
        details: json!({ "complainant": shown, "evidence": file.evidence.len() }),
    });
    tx.finish(db, file).await
}

async fn subjects(conn: &mut AnyConnection, case_id: i64) -> Result<Vec<SubjectView>, AppError> {
    let mut subjects = sqlx::query(
        "SELECT s.id, o.badge_number, o.given_names, o.family_names, un.code, s.role \
         FROM case_subjects s JOIN officers o ON o.id = s.officer_id \
         JOIN units un ON un.id = o.unit_id WHERE s.case_id = $1 ORDER BY s.id",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|s| {
        Ok(SubjectView {
            id: s.try_get(0)?,
            badge_number: s.try_get(1)?,
            name: format!(
                "{} {}",
                s.try_get::<String, _>(2)?,
                s.try_get::<String, _>(3)?
            ),
            unit_code: s.try_get(4)?,
            role: SubjectRole::from_stored(&s.try_get::<String, _>(5)?)?,
            allegations: Vec::new(),
            decision: None,
        })
    })
    .collect::<Result<Vec<_>, AppError>>()?;
    for a in sqlx::query(
        "SELECT id, subject_id, kind, finding, finding_by FROM case_allegations WHERE case_id = $1 ORDER BY id",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?
    {
        let subject: i64 = a.try_get(1)?;
        if let Some(s) = subjects.iter_mut().find(|s| s.id == subject) {
            s.allegations.push(AllegationView {
                id: a.try_get(0)?,
                kind: AllegationKind::from_stored(&a.try_get::<String, _>(2)?)?,
                finding: Finding::from_stored(&a.try_get::<String, _>(3)?)?,
                finding_by: a.try_get(4)?,
            });
        }
    }
    for d in sqlx::query(
        "SELECT subject_id, outcome, suspension_days, basis, decided_on, decided_by FROM case_decisions \
         WHERE case_id = $1 AND superseded_at IS NULL",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?
    {
        let subject: i64 = d.try_get(0)?;
        if let Some(s) = subjects.iter_mut().find(|s| s.id == subject) {
            s.decision = Some(DecisionView {
                outcome: Outcome::from_stored(&d.try_get::<String, _>(1)?)?,
                suspension_days: d.try_get(2)?,
                basis: d.try_get(3)?,
                decided_on: d.try_get(4)?,
                decided_by: d.try_get(5)?,
            });
        }
    }
    Ok(subjects)
}

/// The case's changes, oldest first: its records in the audit trail (the
/// reads left out), so the timeline cannot disagree with the trail.
pub async fn timeline(
    conn: &mut AnyConnection,
    number: &str,
) -> Result<Vec<TimelineEntry>, AppError> {
    sqlx::query(
        "SELECT seq, at, actor_label, action, details FROM audit_log \
         WHERE object_type = 'case' AND object_id = $1 AND action NOT IN ('case.read', 'case.document_read') ORDER BY seq",
    )
    .bind(number)
    .fetch_all(conn)
    .await?
    .iter()
    .map(|r| {
        let details: String = r.try_get(4)?;
        Ok(TimelineEntry {
            seq: r.try_get(0)?,
            at: local_minute(r.try_get(1)?),
            actor: r.try_get(2)?,
            action: r.try_get(3)?,
            details: fields(&details),
        })
    })
    .collect()
}

/// `{"from":"intake","to":"investigation"}` → `[from = intake, to =
/// investigation]`, in the record's order, the empty fields left out.
fn fields(details: &str) -> Vec<TimelineDetail> {
    match serde_json::from_str::<serde_json::Value>(details) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(key, v)| TimelineDetail {
                key,
                value: match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                },
            })
            .collect(),
        _ if details.trim().is_empty() => Vec::new(),
        _ => vec![TimelineDetail {
            key: String::new(),
            value: details.to_string(),
        }],
    }
}

/// The cases an officer is in, as the reader may see them.
pub async fn officer_cases(
    db: &Db,
    reader: &Permit<act::ReadCases>,
    badge_number: &str,
) -> Result<Vec<OfficerCase>, AppError> {
    let scope = reader.scope();
    let sql = format!(
        "SELECT c.number, c.title, c.status, s.role, d.outcome FROM case_subjects s \
         JOIN cases c ON c.id = s.case_id JOIN officers o ON o.id = s.officer_id \
         LEFT JOIN case_decisions d ON d.subject_id = s.id AND d.superseded_at IS NULL \
         WHERE o.badge_number = $1 AND {} ORDER BY c.year DESC, c.seq DESC LIMIT 100",
        scope.sql_where("c", 2)
    );
    let mut q = sqlx::query(&sql).bind(badge_number.trim().to_string());
    if let Some(me) = scope.bound_user() {
        q = q.bind(me);
    }
    q.fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| {
            Ok(OfficerCase {
                number: r.try_get(0)?,
                title: r.try_get(1)?,
                status: CaseStatus::from_stored(&r.try_get::<String, _>(2)?)?,
                role: SubjectRole::from_stored(&r.try_get::<String, _>(3)?)?,
                decision: r
                    .try_get::<Option<String>, _>(4)?
                    .map(|o| Outcome::from_stored(&o))
                    .transpose()?,
            })
        })
        .collect()
}

/// The enabled accounts holding the investigator role, by name (whom a
/// supervisor may assign a case to).
pub async fn investigators(db: &Db) -> Result<Vec<Person>, AppError> {
    investigators_in(&mut *db.pool().acquire().await?).await
}

/// [`investigators`], on a connection already open.
async fn investigators_in(conn: &mut AnyConnection) -> Result<Vec<Person>, AppError> {
    sqlx::query(
        "SELECT u.username, u.display_name FROM users u JOIN user_roles r ON r.user_id = u.id \
         WHERE r.role = 'investigator' AND u.disabled = 0 ORDER BY u.display_name, u.username",
    )
    .fetch_all(conn)
    .await?
    .iter()
    .map(|r| {
        Ok(Person {
            username: r.try_get(0)?,
            display_name: r.try_get(1)?,
        })
    })
    .collect()
}

/// The list as CSV (formula-safe fields), for `/cases.csv`.
pub fn to_csv(rows: &[CaseRow]) -> String {
    use crate::format::csv_line;
    let mut out = csv_line(&[
        "number",
        "title",
        "status",
        "origin",
        "sealed",
        "assigned",
        "region",
        "intake_on",
        "due_on",
        "overdue",
    ]);
    for r in rows {
        out.push_str(&csv_line(&[
            r.number.as_str(),
            r.title.as_str(),
            r.status.as_str(),
            r.origin.as_str(),
            if r.sealed { "1" } else { "0" },
            r.assigned.as_deref().unwrap_or(""),
            r.region.as_str(),
            r.intake_on.as_str(),
            r.due_on.as_deref().unwrap_or(""),
            if r.overdue { "1" } else { "0" },
        ]));
    }
    out
}
