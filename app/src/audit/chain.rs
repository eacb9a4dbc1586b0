//! Appending to and verifying the chain (server only).

use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use super::AuditAction;
use crate::error::AppError;
use crate::policy::{ActionKind, Permit, Principal, ReadAction, WriteAction};
use crate::store::{Backend, Db};

/// The hash before the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One record to append.
#[derive(Debug, Clone)]
/// Who did it comes from the permit or principal the transaction was opened
/// with, never from the entry: no record can name someone who did not act.
pub struct AuditEntry {
    pub action: AuditAction,
    pub object_type: &'static str,
    pub object_id: String,
    /// `ok`, `denied` or `failed`.
    pub outcome: &'static str,
    /// Where the request came from (IP address), or `local` for the CLI.
    pub ip: String,
    pub details: Json,
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub outcome: String,
    pub ip: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    /// The hash this record must carry, given its fields and `prev_hash`.
    pub fn expected_hash(&self) -> String {
        let canonical = Json::Array(vec![
            self.seq.into(),
            self.at.into(),
            self.actor_kind.clone().into(),
            self.actor_id.map(Json::from).unwrap_or(Json::Null),
            self.actor_label.clone().into(),
            self.action.clone().into(),
            self.object_type.clone().into(),
            self.object_id.clone().into(),
            self.outcome.clone().into(),
            self.ip.clone().into(),
            self.details.clone().into(),
        ]);
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(canonical.to_string().as_bytes());
        hex::encode(h.finalize())
    }

    fn from_row(r: &sqlx::any::AnyRow) -> Result<AuditRecord, sqlx::Error> {
        Ok(AuditRecord {
            seq: r.try_get("seq")?,
            at: r.try_get("at")?,
            actor_kind: r.try_get("actor_kind")?,
            actor_id: r.try_get("actor_id")?,
            actor_label: r.try_get("actor_label")?,
            action: r.try_get("action")?,
            object_type: r.try_get("object_type")?,
            object_id: r.try_get("object_id")?,
            outcome: r.try_get("outcome")?,
            ip: r.try_get("ip")?,
            details: r.try_get("details")?,
            prev_hash: r.try_get("prev_hash")?,
            hash: r.try_get("hash")?,
        })
    }
}

pub const RECORD_COLUMNS: &str =
    "seq, at, actor_kind, actor_id, actor_label, action, object_type, \
     object_id, outcome, ip, details, prev_hash, hash";

/// The chain's last record as a transaction holding the head sees it: the
/// sequence number and hash the next record follows.
#[derive(Debug, Clone)]
struct Tail {
    seq: i64,
    hash: String,
}

/// Reads the head and takes its row lock (on SQLite the write transaction
/// already holds the database's), which serialises appenders on both
/// backends until the transaction ends. Read once per transaction: the
/// head row is written once, by [`move_head`], however many records the
/// transaction appends (PostgreSQL keeps every version of a row updated
/// inside one transaction, so one update per record made a long
/// transaction's appends cost more and more).
async fn lock_head(conn: &mut AnyConnection, backend: Backend) -> Result<Tail, sqlx::Error> {
    let sql = match backend {
        Backend::Sqlite => "SELECT seq, hash FROM audit_head WHERE id = 1",
        Backend::Postgres => "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
    };
    let head = sqlx::query(sql).fetch_one(&mut *conn).await?;
    Ok(Tail {
        seq: head.try_get(0)?,
        hash: head.try_get(1)?,
    })
}

/// Moves the head to the transaction's last record, before it commits.
/// The database's trigger lets the head move only to the chain's last
/// record, with that record's hash.
async fn move_head(conn: &mut AnyConnection, tail: &Tail) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(tail.seq)
        .bind(&tail.hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Appends `entry` after `tail` on `conn`, inside the caller's transaction
/// (which holds the head: [`lock_head`]): it commits or rolls back with
/// the change it describes. Private: the only way in is through an
/// [`AuditedTx`] or an [`AuditedRead`].
async fn append(
    conn: &mut AnyConnection,
    tail: &mut Tail,
    who: &Principal,
    entry: &AuditEntry,
) -> Result<i64, sqlx::Error> {
    let (actor_kind, actor_id, actor_label) = who.audit_name();
    let mut record = AuditRecord {
        seq: tail.seq + 1,
        at: crate::time::now_ms(),
        actor_kind: actor_kind.to_string(),
        actor_id,
        actor_label: actor_label.to_string(),
        action: entry.action.as_str().to_string(),
        object_type: entry.object_type.to_string(),
        object_id: entry.object_id.clone(),
        outcome: entry.outcome.to_string(),
        ip: entry.ip.clone(),
        // serde_json's maps are sorted by key: this is the canonical text.
        details: entry.details.to_string(),
        prev_hash: tail.hash.clone(),
        hash: String::new(),
    };
    record.hash = record.expected_hash();
    sqlx::query(&format!(
        "INSERT INTO audit_log ({RECORD_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    ))
    .bind(record.seq)
    .bind(record.at)
    .bind(&record.actor_kind)
    .bind(record.actor_id)
    .bind(&record.actor_label)
    .bind(&record.action)
    .bind(&record.object_type)
    .bind(&record.object_id)
    .bind(&record.outcome)
    .bind(&record.ip)
    .bind(&record.details)
    .bind(&record.prev_hash)
    .bind(&record.hash)
    .execute(&mut *conn)
    .await?;
    tail.seq = record.seq;
    tail.hash = record.hash;
    Ok(tail.seq)
}

/// A write transaction that cannot commit without an audit record: the
/// way every change is made. It is opened with the permit of the change, and
/// its records name that permit's principal.
pub struct AuditedTx {
    tx: crate::store::WriteTx,
    backend: Backend,
    who: Principal,
    /// The chain's last record, once this transaction holds the head.
    tail: Option<Tail>,
}

impl AuditedTx {
    /// Begins the write transaction of a permitted change (on SQLite
    /// `BEGIN IMMEDIATE`, so that a read-then-write never fails on a stale
    /// snapshot).
    pub async fn begin<A: WriteAction>(
        db: &Db,
        permit: &Permit<A>,
    ) -> Result<AuditedTx, sqlx::Error> {
        AuditedTx::begin_as(db, permit.principal()).await
    }

    /// For the identity module: events whose actor is not (yet) the
    /// request's principal, such as the sign-in of the user who just gave
    /// the right password, or a lock set by the system.
    pub(crate) async fn begin_as(db: &Db, who: &Principal) -> Result<AuditedTx, sqlx::Error> {
        Ok(AuditedTx {
            tx: db.begin_write().await?,
            backend: db.backend(),
            who: who.clone(),
            tail: None,
        })
    }

    /// Which database the transaction is on, for SQL that differs.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection, for the change's own statements.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Appends the record that describes this transaction's change.
    pub async fn audit(&mut self, entry: &AuditEntry) -> Result<i64, sqlx::Error> {
        let mut tail = match self.tail.take() {
            Some(tail) => tail,
            None => lock_head(&mut self.tx, self.backend).await?,
        };
        let appended = append(&mut self.tx, &mut tail, &self.who, entry).await;
        self.tail = Some(tail);
        appended
    }

    /// Commits the change and its audit record together. Refuses (and rolls
    /// back) a transaction that recorded nothing.
    pub async fn commit(mut self) -> Result<(), AppError> {
        let Some(tail) = self.tail.take() else {
            tracing::error!("a write transaction tried to commit without an audit record");
            self.tx.rollback().await?;
            return Err(AppError::Internal);
        };
        move_head(&mut self.tx, &tail).await?;
        self.tx.commit().await?;
        Ok(())
    }
}

/// An audited read (a case file, an officer's confidence tests): the reads
/// run in a read-only transaction of their own, on one snapshot, beside
/// other readers and writers (no write lock is held while reading); the
/// record that says who read what is appended afterwards in a short write
/// transaction, and the data is handed over by [`AuditedRead::finish`] only
/// once that record is committed. A read that recorded nothing hands
/// nothing over.
#[must_use = "an audited read hands its data over through `finish`"]
pub struct AuditedRead {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    who: Principal,
    entries: Vec<AuditEntry>,
}

impl AuditedRead {
    /// Begins the read, for a reader the policy let read.
    pub async fn begin<A: ReadAction>(
        db: &Db,
        permit: &Permit<A>,
    ) -> Result<AuditedRead, sqlx::Error> {
        Ok(AuditedRead {
            tx: db.begin_read().await?,
            who: permit.principal().clone(),
            entries: Vec::new(),
        })
    }

    /// The connection, for the read's own statements.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Says what was read: appended to the chain by [`AuditedRead::finish`].
    pub fn audit(&mut self, entry: AuditEntry) {
        self.entries.push(entry);
    }

    /// Ends the read, has its records appended to the chain, and only once
    /// they are committed hands `value` over. Refuses a read that recorded
    /// nothing.
    ///
    /// The records of the reads finishing at the same moment are appended
    /// together, in one write transaction (`Db::write_together`, group
    /// commit): readers do not queue one transaction each behind each
    /// other. If that transaction fails, none of its reads hands anything
    /// over.
    pub async fn finish<T>(self, db: &Db, value: T) -> Result<T, AppError> {
        let AuditedRead { tx, who, entries } = self;
        tx.rollback().await?;
        if entries.is_empty() {
            tracing::error!("an audited read tried to finish without an audit record");
            return Err(AppError::Internal);
        }
        let backend = db.backend();
        db.write_together(Box::new(move |conn: &mut AnyConnection| {
            Box::pin(async move {
                let mut tail = lock_head(conn, backend).await?;
                for e in &entries {
                    append(conn, &mut tail, &who, e).await?;
                }
                move_head(conn, &tail).await
            })
        }))
        .await?;
        Ok(value)
    }
}

/// Appends one record, for an event that changes nothing else (an export,
/// an audited read) and is permitted, and answers its sequence number once
/// it is committed. The records of the events recorded at the same moment
/// are appended together in one write transaction (`Db::write_together`,
/// group commit), as [`AuditedRead::finish`] does: readers do not queue one
/// transaction each.
pub async fn record<A: ActionKind>(
    db: &Db,
    permit: &Permit<A>,
    entry: &AuditEntry,
) -> Result<i64, AppError> {
    use std::sync::atomic::{AtomicI64, Ordering};
    let backend = db.backend();
    let who = permit.principal().clone();
    let entry = entry.clone();
    let seq = std::sync::Arc::new(AtomicI64::new(0));
    let appended = seq.clone();
    db.write_together(Box::new(move |conn: &mut AnyConnection| {
        Box::pin(async move {
            let mut tail = lock_head(conn, backend).await?;
            appended.store(
                append(conn, &mut tail, &who, &entry).await?,
                Ordering::SeqCst,
            );
            move_head(conn, &tail).await
        })
    }))
    .await?;
    Ok(seq.load(Ordering::SeqCst))
}

/// Appends the record of a refused or failed request (no permit exists:
/// that is the point), naming the principal who asked.
pub(crate) async fn record_refusal(
    db: &Db,
    who: &Principal,
    entry: &AuditEntry,
) -> Result<i64, AppError> {
    let mut tx = AuditedTx::begin_as(db, who).await?;
    let seq = tx.audit(entry).await?;
    tx.commit().await?;
    Ok(seq)
}

/// What `vigia audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    Intact { records: i64 },
    Broken { seq: i64, reason: String },
}

/// Walks the whole chain in order and names the first record that does
/// not fit: a changed record (its hash), a removed one (a gap in the
/// sequence), a moved one (its link to the previous hash), or a cut tail
/// (the head no longer matches the last record).
pub async fn verify(db: &Db) -> Result<Verification, sqlx::Error> {
    const PAGE: i64 = 5_000;
    let mut prev_hash = GENESIS_HASH.to_string();
    let mut expected_seq = 1;
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {RECORD_COLUMNS} FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2"
        ))
        .bind(expected_seq)
        .bind(PAGE)
        .fetch_all(db.pool())
        .await?;
        let n = rows.len() as i64;
        for row in &rows {
            let r = AuditRecord::from_row(row)?;
            if r.seq != expected_seq {
                return Ok(Verification::Broken {
                    seq: expected_seq,
                    reason: format!("record {expected_seq} is missing (next is {})", r.seq),
                });
            }
            if r.prev_hash != prev_hash {
                return Ok(Verification::Broken {
                    seq: r.seq,
                    reason: "its link to the previous record does not match".into(),
                });
            }
            if r.expected_hash() != r.hash {
                return Ok(Verification::Broken {
                    seq: r.seq,
                    reason: "its content does not match its hash".into(),
                });
            }
            prev_hash = r.hash;
            expected_seq += 1;
        }
        if n < PAGE {
            break;
        }
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(db.pool())
        .await?;
    let (head_seq, head_hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
    let records = expected_seq - 1;
    if head_seq != records || head_hash != prev_hash {
        return Ok(Verification::Broken {
            seq: records + 1,
            reason: format!(
                "the chain ends at record {records} but its head says {head_seq}: records were removed from the end"
            ),
        });
    }
    Ok(Verification::Intact { records })
}
