//! Accounts in the database: one SQL text for both backends.

use serde_json::json;
use sqlx::Row;

use super::{password, CurrentUser, Role};
use crate::audit::{self, AuditAction, AuditEntry, AuditedTx};
use crate::error::{AppError, Field, Problem};
use crate::policy::{act, Permit, Principal};
use crate::store::Db;

/// A successful account event for the audit trail.
fn account_event(
    action: AuditAction,
    username: &str,
    ip: &str,
    details: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        action,
        object_type: "user",
        object_id: username.to_string(),
        outcome: "ok",
        ip: ip.to_string(),
        details,
    }
}

#[derive(Clone)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    /// The end of a failure lock (it may be over already).
    pub locked_until: Option<i64>,
    /// Failure locks in a row, for the next one's length.
    pub failure_locks: i64,
    pub roles: Vec<Role>,
    /// Base32 TOTP secret, once set up.
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    /// Sessions signed in before this moment are over.
    pub sessions_after: Option<i64>,
    /// Who reset the password, and when (until the owner sets a new one).
    pub password_reset: Option<(String, i64)>,
    /// Who removed the second factor, and when (until the owner sets one).
    pub totp_reset: Option<(String, i64)>,
}

crate::debug_redacted!(UserRecord {
    id, username, display_name, must_change_password, disabled, locked_until, failure_locks, roles,
    totp_enabled, totp_last_step, sessions_after, password_reset, totp_reset,
} hide { password_hash, totp_secret });

impl UserRecord {
    pub fn current(&self, totp_required: &[Role]) -> CurrentUser {
        CurrentUser {
            id: self.id,
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            roles: self.roles.clone(),
            must_change_password: self.must_change_password,
            totp_enabled: self.totp_enabled,
            must_enroll_totp: self.must_enroll_totp(totp_required),
            notices: self.notices(),
        }
    }

    /// The resets its owner is to be told of.
    pub fn notices(&self) -> Vec<super::AccountNotice> {
        use super::{AccountNotice, ResetKind};
        [
            (ResetKind::Password, &self.password_reset),
            (ResetKind::SecondFactor, &self.totp_reset),
        ]
        .into_iter()
        .filter_map(|(what, reset)| {
            reset.as_ref().map(|(by, at)| AccountNotice {
                what,
                by: by.clone(),
                at: crate::time::local_minute_zoned(*at),
            })
        })
        .collect()
    }

    /// The time step `code` proves for this account's second factor, if
    /// any (not one already used).
    pub fn totp_step(
        &self,
        key: &crate::sealed::SecretKey,
        code: &str,
        now: i64,
    ) -> Result<Option<i64>, AppError> {
        let secret = self
            .totp_secret
            .as_deref()
            .and_then(|sealed| key.open(sealed))
            .as_deref()
            .and_then(super::totp::base32_decode)
            .ok_or(AppError::Internal)?;
        Ok(super::totp::verify(
            &secret,
            code,
            now / 1000,
            self.totp_last_step,
        ))
    }

    /// Holds a role that requires a second factor, and has none yet.
    pub fn must_enroll_totp(&self, totp_required: &[Role]) -> bool {
        !self.totp_enabled && self.roles.iter().any(|r| totp_required.contains(r))
    }
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.password_hash, \
     u.must_change_password, u.disabled, u.locked_until, u.failure_locks, u.totp_secret, \
     u.totp_enabled, u.totp_last_step, u.sessions_after, u.password_reset_by, \
     u.password_reset_at, u.totp_reset_by, u.totp_reset_at";

/// The account whose column `key` equals `value`, with its roles: one
/// query, a row per role (asked on every request, so kept to one).
async fn user_where(
    db: &Db,
    key: &str,
    value: impl for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send,
) -> Result<Option<UserRecord>, AppError> {
    let mut conn = db.pool().acquire().await?;
    user_where_in(&mut conn, key, value).await
}

/// [`user_where`] on a connection (a transaction's).
async fn user_where_in(
    conn: &mut sqlx::AnyConnection,
    key: &str,
    value: impl for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send,
) -> Result<Option<UserRecord>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, r.role FROM users u LEFT JOIN user_roles r ON r.user_id = u.id \
         WHERE u.{key} = $1"
    ))
    .bind(value)
    .fetch_all(&mut *conn)
    .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let mut roles = rows
        .iter()
        .filter_map(|r| r.try_get::<Option<String>, _>("role").transpose())
        .map(|n| Role::parse(&n?))
        .collect::<Result<Vec<_>, AppError>>()?;
    roles.sort();
    Ok(Some(UserRecord {
        id: row.try_get("id")?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        password_hash: row.try_get("password_hash")?,
        must_change_password: row.try_get::<i64, _>("must_change_password")? != 0,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        locked_until: row.try_get("locked_until")?,
        failure_locks: row.try_get("failure_locks")?,
        roles,
        totp_secret: row.try_get("totp_secret")?,
        totp_enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
        totp_last_step: row.try_get("totp_last_step")?,
        sessions_after: row.try_get("sessions_after")?,
        password_reset: pair(
            row.try_get("password_reset_by")?,
            row.try_get("password_reset_at")?,
        ),
        totp_reset: pair(row.try_get("totp_reset_by")?, row.try_get("totp_reset_at")?),
    }))
}

fn pair(by: Option<String>, at: Option<i64>) -> Option<(String, i64)> {
    by.zip(at)
}

pub async fn load_user(db: &Db, id: i64) -> Result<Option<UserRecord>, AppError> {
    user_where(db, "id", id).await
}

pub async fn find_user(db: &Db, username: &str) -> Result<Option<UserRecord>, AppError> {
    user_where(db, "username", username.trim().to_lowercase()).await
}

pub async fn count_users(db: &Db) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(db.pool())
        .await?)
}

/// A username: 3 to 64 of a-z, 0-9, dot, dash, underscore; kept lowercase.
pub fn parse_username(raw: &str) -> Result<String, AppError> {
    let u = raw.trim().to_lowercase();
    let ok_chars = u
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if !(3..=64).contains(&u.len()) || !ok_chars {
        return Err(AppError::validation(Field::Username, Problem::UsernameForm));
    }
    Ok(u)
}

/// What a person typed on the sign-in form.
pub struct Credentials<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// The authenticator code, once asked for.
    pub code: Option<&'a str>,
}

/// Signs in, or refuses with one answer for every reason (the lockout
/// rules are [`super::lockout`]'s). The attempt is counted before the
/// password is checked, in one transaction with the check of the lock, so
/// that parallel guesses cannot pass the limit; a right password takes the
/// count back.
pub async fn sign_in(
    db: &Db,
    _allowed: &Permit<act::SignIn>,
    key: &crate::sealed::SecretKey,
    typed: Credentials<'_>,
    ip: &str,
    totp_required: &[Role],
) -> Result<CurrentUser, AppError> {
    use super::lockout::{self, Reason, Subject};
    let Credentials {
        username,
        password,
        code,
    } = typed;
    let now = crate::time::now_ms();
    // A name no account can have is refused without keeping it.
    let Ok(name) = parse_username(username) else {
        lockout::refuse_early(db, &Subject::Address(ip), Reason::MalformedName, ip, now).await?;
        return Err(AppError::SignInRefused);
    };
    if let Some(wait) = lockout::address_wait(db, ip, now).await? {
        lockout::refuse_early(db, &Subject::Address(ip), Reason::AddressThrottled, ip, now).await?;
        return Err(AppError::TooManyAttempts {
            retry_after_s: (wait + 999) / 1000,
        });
    }

    // Take the attempt: in one write transaction (the account's row locked
    // on PostgreSQL, the database on SQLite), check the lock and the count
    // of recent failures, and count this attempt as one until it proves
    // right.
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE users SET failure_locks = failure_locks WHERE username = $1")
        .bind(&name)
        .execute(&mut *tx)
        .await?;
    let user = user_where_in(&mut tx, "username", name.clone()).await?;
    let refused = match &user {
        None => Some((Subject::Address(ip), Reason::UnknownUser)),
        Some(u) if u.disabled => Some((Subject::Account(&name), Reason::Disabled)),
        Some(u) if u.locked_until.is_some_and(|t| t > now) => {
            Some((Subject::Account(&name), Reason::Locked))
        }
        Some(_) => None,
    };
    let mut attempt = None;
    if let (Some(u), None) = (&user, &refused) {
        let recent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sign_in_failures WHERE user_id = $1 AND at > $2",
        )
        .bind(u.id)
        .bind(now - lockout::FAILURE_WINDOW_MS)
        .fetch_one(&mut *tx)
        .await?;
        if recent < lockout::MAX_FAILURES {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO sign_in_failures (user_id, at) VALUES ($1, $2) RETURNING id",
            )
            .bind(u.id)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            attempt = Some(id);
        }
    }
    let refused = match (refused, &user, attempt) {
        (Some(r), _, _) => Some(r),
        // As many attempts in flight as the limit: this one waits for none.
        (None, Some(_), None) => Some((Subject::Account(&name), Reason::Locked)),
        _ => None,
    };
    if let Some((subject, reason)) = &refused {
        lockout::count_failure(&mut tx, subject, *reason, ip, now).await?;
    }
    lockout::count_address(&mut tx, ip, now, 1).await?;
    tx.commit().await?;

    // Always verify, even for an unknown or refused user: the answer
    // takes as long.
    let hash = match (&user, &refused) {
        (Some(u), None) => Some(u.password_hash.clone()),
        _ => None,
    };
    let matches = password::verify(password.to_string(), hash).await?;
    let (Some(user), None, Some(attempt)) = (user, refused, attempt) else {
        return Err(AppError::SignInRefused);
    };

    // With a second factor, the password alone is not enough: ask for the
    // code (not a failure), and count a wrong code as a failure.
    let mut totp_step = None;
    let mut reason = Reason::WrongPassword;
    let mut matches = matches;
    if matches && user.totp_enabled {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let Some(code) = code else {
            take_back(db, attempt, ip, now).await?;
            return Err(AppError::SecondFactorNeeded);
        };
        totp_step = user.totp_step(key, code, now)?;
        if totp_step.is_none() {
            matches = false;
            reason = Reason::WrongCode;
        }
    }
    if !matches {
        // Counted first, on its own: most failures lock nothing.
        let mut tx = db.begin_write().await?;
        lockout::count_failure(&mut tx, &Subject::Account(&name), reason, ip, now).await?;
        let recent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sign_in_failures WHERE user_id = $1 AND at > $2",
        )
        .bind(user.id)
        .bind(now - lockout::FAILURE_WINDOW_MS)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        if recent >= lockout::MAX_FAILURES {
            lock(db, &user, ip, now, recent).await?;
        }
        return Err(AppError::SignInRefused);
    }
    // The record of a sign-in names the person who just proved who they are.
    let mut tx = AuditedTx::begin_as(
        db,
        &Principal::user(user.id, user.username.clone(), user.roles.clone()),
    )
    .await?;
    if let Some(step) = totp_step {
        // One code opens one session, even when two requests race with it.
        if !take_step(tx.conn(), user.id, step).await? {
            drop(tx);
            let mut conn = db.pool().acquire().await?;
            lockout::count_failure(
                &mut conn,
                &Subject::Account(&name),
                Reason::WrongCode,
                ip,
                now,
            )
            .await?;
            return Err(AppError::SignInRefused);
        }
    }
    sqlx::query("DELETE FROM sign_in_failures WHERE user_id = $1")
        .bind(user.id)
        .execute(tx.conn())
        .await?;
    sqlx::query(
        "UPDATE users SET failure_locks = 0, locked_at = NULL, locked_until = NULL WHERE id = $1",
    )
    .bind(user.id)
    .execute(tx.conn())
    .await?;
    lockout::count_address(tx.conn(), ip, now, -1).await?;
    tx.audit(&account_event(
        AuditAction::SignIn,
        &user.username,
        ip,
        json!({ "second_factor": totp_step.is_some() }),
    ))
    .await?;
    tx.commit().await?;
    Ok(user.current(totp_required))
}

/// Locks the account after `recent` failures, unless a parallel attempt
/// locked it already: the lock, its record (in the system's name) and a
/// fresh count, together.
async fn lock(db: &Db, user: &UserRecord, ip: &str, now: i64, recent: i64) -> Result<(), AppError> {
    use super::lockout;
    let mut tx = AuditedTx::begin_as(db, &Principal::system()).await?;
    let locks = user.failure_locks + 1;
    let until = now + lockout::lock_length(locks);
    let locked = sqlx::query(
        "UPDATE users SET locked_at = $1, locked_until = $2, failure_locks = $3, updated_at = $1 \
         WHERE id = $4 AND (locked_until IS NULL OR locked_until <= $1)",
    )
    .bind(now)
    .bind(until)
    .bind(locks)
    .bind(user.id)
    .execute(tx.conn())
    .await?
    .rows_affected();
    if locked != 1 {
        // Dropped: nothing changed.
        return Ok(());
    }
    sqlx::query("DELETE FROM sign_in_failures WHERE user_id = $1")
        .bind(user.id)
        .execute(tx.conn())
        .await?;
    tx.audit(&account_event(
        AuditAction::AccountLocked,
        &user.username,
        ip,
        json!({
            "failures": recent,
            "window_minutes": lockout::FAILURE_WINDOW_MS / 60_000,
            "lock": locks,
            "minutes": lockout::lock_length(locks) / 60_000,
            "until": until,
        }),
    ))
    .await?;
    tx.commit().await
}

/// Uses up a second-factor code's time step, unless it (or a later one) is
/// used already: `false` then. One statement, so of two requests racing
/// with the same code one wins.
async fn take_step(conn: &mut sqlx::AnyConnection, user: i64, step: i64) -> Result<bool, AppError> {
    let taken = sqlx::query(
        "UPDATE users SET totp_last_step = $1 WHERE id = $2 \
         AND (totp_last_step IS NULL OR totp_last_step < $1)",
    )
    .bind(step)
    .bind(user)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(taken == 1)
}

/// Takes back an attempt that was no failure (the password was right and
/// the code is still to come).
async fn take_back(db: &Db, attempt: i64, ip: &str, now: i64) -> Result<(), AppError> {
    let mut tx = db.begin_write().await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE id = $1")
        .bind(attempt)
        .execute(&mut *tx)
        .await?;
    super::lockout::count_address(&mut tx, ip, now, -1).await?;
    tx.commit().await?;
    Ok(())
}

/// Before a second factor replaces the one set up: the password and a code
/// of the current one (the code is used up). Nothing is asked of an
/// account without one.
pub async fn prove_for_new_factor(
    db: &Db,
    actor: &Permit<act::ManageOwnAccount>,
    ip: &str,
    key: &crate::sealed::SecretKey,
    password: &str,
    code: &str,
) -> Result<(), AppError> {
    let id = actor.user_id().ok_or(AppError::Unauthenticated)?;
    let user = load_user(db, id).await?.ok_or(AppError::Unauthenticated)?;
    if !user.totp_enabled {
        return Ok(());
    }
    if !password::verify(password.to_string(), Some(user.password_hash.clone())).await? {
        return Err(AppError::validation(
            Field::Password,
            Problem::NotCurrentPassword,
        ));
    }
    let now = crate::time::now_ms();
    let step = user
        .totp_step(key, code.trim(), now)?
        .ok_or_else(|| AppError::validation(Field::Code, Problem::TotpCodeWrong))?;
    // The code is used up, and the proof recorded, together.
    let mut tx = AuditedTx::begin(db, actor).await?;
    if !take_step(tx.conn(), id, step).await? {
        return Err(AppError::validation(Field::Code, Problem::TotpCodeWrong));
    }
    tx.audit(&account_event(
        AuditAction::TotpReplacementStarted,
        &user.username,
        ip,
        json!({}),
    ))
    .await?;
    tx.commit().await
}

/// Turns on the second factor with `secret_b32`, once `code` proves the
/// authenticator app has it.
pub async fn enable_totp(
    db: &Db,
    key: &crate::sealed::SecretKey,
    actor: &Permit<act::ManageOwnAccount>,
    ip: &str,
    secret_b32: &str,
    code: &str,
) -> Result<(), AppError> {
    let id = actor.user_id().ok_or(AppError::Unauthenticated)?;
    let user = load_user(db, id).await?.ok_or(AppError::Unauthenticated)?;
    let secret = super::totp::base32_decode(secret_b32).ok_or(AppError::Internal)?;
    let step = super::totp::verify(&secret, code, crate::time::now_ms() / 1000, None)
        .ok_or_else(|| AppError::validation(Field::Code, Problem::TotpCodeWrong))?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    sqlx::query(
        "UPDATE users SET totp_secret = $1, totp_enabled = 1, totp_last_step = $2, updated_at = $3, \
         totp_reset_by = NULL, totp_reset_at = NULL WHERE id = $4",
    )
    .bind(key.seal(secret_b32))
    .bind(step)
    .bind(crate::time::now_ms())
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(&account_event(
        AuditAction::TotpEnabled,
        &user.username,
        ip,
        json!({}),
    ))
    .await?;
    tx.commit().await
}

pub async fn record_sign_out(
    db: &Db,
    actor: &Permit<act::ManageOwnAccount>,
    ip: &str,
) -> Result<(), AppError> {
    audit::record(
        db,
        actor,
        &account_event(AuditAction::SignOut, actor.label(), ip, json!({})),
    )
    .await
    .map(|_| ())
}

/// A new account, as asked for.
#[derive(Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub password: String,
    /// Whether the first sign-in asks for a new password: always, when
    /// someone else chose or saw this one (an administrator never keeps a
    /// working password of someone else's); the console operator may make
    /// an account for themselves, or a demo's, without.
    pub must_change_password: bool,
}
crate::debug_redacted!(NewUser { username, display_name, roles, must_change_password } hide { password });

/// Creates an account with its roles, audited in the same transaction.
pub async fn create_user(
    db: &Db,
    actor: &Permit<act::ManageUsers>,
    ip: &str,
    new: NewUser,
) -> Result<i64, AppError> {
    let username = parse_username(&new.username)?;
    let display_name = new.display_name.trim().to_string();
    if display_name.is_empty() || display_name.chars().count() > 100 {
        return Err(AppError::validation(
            Field::DisplayName,
            Problem::DisplayNameLength,
        ));
    }
    if new.roles.is_empty() {
        return Err(AppError::validation(Field::Roles, Problem::NoRoles));
    }
    password::check_new(Field::Password, &new.password)?;
    let hash = password::hash(new.password).await?;
    let now = crate::time::now_ms();
    let mut tx = AuditedTx::begin(db, actor).await?;
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE username = $1")
        .bind(&username)
        .fetch_one(tx.conn())
        .await?;
    if taken > 0 {
        return Err(AppError::validation(
            Field::Username,
            Problem::UsernameTaken {
                username: username.to_string(),
            },
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, password_hash, must_change_password, disabled, \
         created_at, updated_at) VALUES ($1, $2, $3, $5, 0, $4, $4) RETURNING id",
    )
    .bind(&username)
    .bind(&display_name)
    .bind(&hash)
    .bind(now)
    .bind(i64::from(new.must_change_password))
    .fetch_one(tx.conn())
    .await?;
    let mut roles = new.roles.clone();
    roles.sort();
    roles.dedup();
    for role in &roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(id)
            .bind(role.as_str())
            .execute(tx.conn())
            .await?;
    }
    tx.audit(&account_event(AuditAction::UserCreated, &username, ip, json!({ "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(), "display_name": display_name, "must_change_password": new.must_change_password })))
    .await?;
    record_grants(&mut tx, &username, ip, &[], &roles).await?;
    tx.commit().await?;
    Ok(id)
}

/// Lifts a lock and forgets the failures that caused it.
pub async fn unlock_user(
    db: &Db,
    actor: &Permit<act::ManageUsers>,
    ip: &str,
    username: &str,
) -> Result<(), AppError> {
    let user = find_user(db, username).await?.ok_or_else(|| {
        AppError::validation(
            Field::Username,
            Problem::NoSuchAccount {
                username: username.to_string(),
            },
        )
    })?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    sqlx::query(
        "UPDATE users SET locked_at = NULL, locked_until = NULL, failure_locks = 0, updated_at = $1 \
         WHERE id = $2",
    )
        .bind(crate::time::now_ms())
        .bind(user.id)
        .execute(tx.conn())
        .await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE user_id = $1")
        .bind(user.id)
        .execute(tx.conn())
        .await?;
    tx.audit(&account_event(
        AuditAction::AccountUnlocked,
        &user.username,
        ip,
        json!({ "was_locked_until": user.locked_until }),
    ))
    .await?;
    tx.commit().await
}

/// One row of the accounts list.
pub async fn list_users(
    db: &Db,
    actor: &Permit<act::ReadUsers>,
) -> Result<Vec<super::AccountSummary>, AppError> {
    debug_assert!(actor.user_id().is_some() || actor.label() == "operator");
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM users ORDER BY username")
        .fetch_all(db.pool())
        .await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(u) = load_user(db, id).await? {
            out.push(super::AccountSummary {
                username: u.username,
                display_name: u.display_name,
                roles: u.roles,
                locked: u.locked_until.is_some_and(|t| t > crate::time::now_ms()),
                disabled: u.disabled,
                must_change_password: u.must_change_password,
                totp_enabled: u.totp_enabled,
            });
        }
    }
    Ok(out)
}

async fn existing(db: &Db, username: &str) -> Result<UserRecord, AppError> {
    find_user(db, username).await?.ok_or_else(|| {
        AppError::validation(
            Field::Username,
            Problem::NoSuchAccount {
                username: username.to_string(),
            },
        )
    })
}

/// Replaces an account's roles.
pub async fn set_roles(
    db: &Db,
    actor: &Permit<act::ManageUsers>,
    ip: &str,
    username: &str,
    roles: Vec<Role>,
) -> Result<(), AppError> {
    let user = existing(db, username).await?;
    if actor.user_id() == Some(user.id) {
        // Separation of duties: another administrator must do it.
        return Err(AppError::validation(
            Field::Roles,
            Problem::CannotChangeOwnRoles,
        ));
    }
    let mut roles = roles;
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(AppError::validation(Field::Roles, Problem::NoRoles));
    }
    let mut tx = AuditedTx::begin(db, actor).await?;
    sqlx::query("DELETE FROM user_roles WHERE user_id = $1")
        .bind(user.id)
        .execute(tx.conn())
        .await?;
    for role in &roles {
        sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
            .bind(user.id)
            .bind(role.as_str())
            .execute(tx.conn())
            .await?;
    }
    let names = |rs: &[Role]| rs.iter().map(|r| r.as_str()).collect::<Vec<_>>();
    tx.audit(&account_event(
        AuditAction::RolesChanged,
        &user.username,
        ip,
        json!({ "from": names(&user.roles), "to": names(&roles) }),
    ))
    .await?;
    record_grants(&mut tx, &user.username, ip, &user.roles, &roles).await?;
    tx.commit().await
}

/// The roles that reach cases and officers' records: granting one is
/// recorded apart (`user.privileged_role_granted`), for auditors to review.
pub const PRIVILEGED_ROLES: [Role; 4] = [
    Role::Supervisor,
    Role::Investigator,
    Role::Ministry,
    Role::Auditor,
];

/// A record of each privileged role in `to` that `from` did not hold.
async fn record_grants(
    tx: &mut AuditedTx,
    username: &str,
    ip: &str,
    from: &[Role],
    to: &[Role],
) -> Result<(), sqlx::Error> {
    for role in to
        .iter()
        .filter(|r| PRIVILEGED_ROLES.contains(r) && !from.contains(r))
    {
        tx.audit(&account_event(
            AuditAction::PrivilegedRoleGranted,
            username,
            ip,
            json!({ "role": role.as_str() }),
        ))
        .await?;
    }
    Ok(())
}

/// Gives an account a new generated password that must be changed at the
/// next sign-in; returns it (shown once).
pub async fn reset_password(
    db: &Db,
    actor: &Permit<act::ManageUsers>,
    ip: &str,
    username: &str,
) -> Result<String, AppError> {
    let user = existing(db, username).await?;
    let new = password::generate();
    let hash = password::hash(new.clone()).await?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    let now = crate::time::now_ms();
    // The account's sessions end, and its owner is told at the next sign-in.
    sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = 1, updated_at = $2, \
         sessions_after = $2, password_reset_by = $3, password_reset_at = $2 WHERE id = $4",
    )
    .bind(&hash)
    .bind(now)
    .bind(actor.label())
    .bind(user.id)
    .execute(tx.conn())
    .await?;
    tx.audit(&account_event(
        AuditAction::PasswordReset,
        &user.username,
        ip,
        json!({ "must_change_password": true, "sessions_ended": true }),
    ))
    .await?;
    tx.commit().await?;
    Ok(new)
}

/// Disables or re-enables an account. A disabled account cannot sign in
/// and its open sessions stop working at their next request.
pub async fn set_disabled(
    db: &Db,
    actor: &Permit<act::ManageUsers>,
    ip: &str,
    username: &str,
    disabled: bool,
) -> Result<(), AppError> {
    let user = existing(db, username).await?;
    if actor.user_id() == Some(user.id) && disabled {
        return Err(AppError::validation(
            Field::Username,
            Problem::CannotDisableSelf,
        ));
    }
    let mut tx = AuditedTx::begin(db, actor).await?;
    sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(disabled))
        .bind(crate::time::now_ms())
        .bind(user.id)
        .execute(tx.conn())
        .await?;
    tx.audit(&AuditEntry {
        action: if disabled {
            AuditAction::UserDisabled
        } else {
            AuditAction::UserEnabled
        },
        object_type: "user",
        object_id: user.username.clone(),
        outcome: "ok",
        ip: ip.to_string(),
        details: json!({}),
    })
    .await?;
    tx.commit().await
}

/// Changes the actor's own password, given the current one, and ends the
/// account's other sessions; returns the moment, from which the caller's
/// own session stays valid.
pub async fn change_own_password(
    db: &Db,
    actor: &Permit<act::ManageOwnAccount>,
    ip: &str,
    current: &str,
    new: &str,
) -> Result<i64, AppError> {
    let id = actor.user_id().ok_or(AppError::Unauthenticated)?;
    let user = load_user(db, id).await?.ok_or(AppError::Unauthenticated)?;
    if !password::verify(current.to_string(), Some(user.password_hash.clone())).await? {
        return Err(AppError::validation(
            Field::CurrentPassword,
            Problem::NotCurrentPassword,
        ));
    }
    password::check_new(Field::NewPassword, new)?;
    if new == current {
        return Err(AppError::validation(
            Field::NewPassword,
            Problem::SamePassword,
        ));
    }
    let hash = password::hash(new.to_string()).await?;
    let now = crate::time::now_ms();
    let mut tx = AuditedTx::begin(db, actor).await?;
    // The account's other sessions end (this one is renewed by the caller).
    sqlx::query(
        "UPDATE users SET password_hash = $1, must_change_password = 0, updated_at = $2, \
         sessions_after = $2, password_reset_by = NULL, password_reset_at = NULL WHERE id = $3",
    )
    .bind(&hash)
    .bind(now)
    .bind(id)
    .execute(tx.conn())
    .await?;
    tx.audit(&account_event(
        AuditAction::PasswordChanged,
        &user.username,
        ip,
        json!({ "other_sessions_ended": true }),
    ))
    .await?;
    tx.commit().await?;
    Ok(now)
}

/// Removes an account's second factor (a lost phone): the account sets up a
/// new one at its next sign-in if its roles require one.
pub async fn reset_totp(
    db: &Db,
    actor: &Permit<act::ManageUsers>,
    ip: &str,
    username: &str,
) -> Result<(), AppError> {
    let user = existing(db, username).await?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    // The account's sessions end, and its owner is told at the next sign-in.
    sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_enabled = 0, totp_last_step = NULL, updated_at = $1, \
         sessions_after = $1, totp_reset_by = $2, totp_reset_at = $1 WHERE id = $3",
    )
    .bind(crate::time::now_ms())
    .bind(actor.label())
    .bind(user.id)
    .execute(tx.conn())
    .await?;
    tx.audit(&account_event(
        AuditAction::TotpReset,
        &user.username,
        ip,
        json!({ "was_enabled": user.totp_enabled, "sessions_ended": true }),
    ))
    .await?;
    tx.commit().await
}

/// Seals the second-factor secrets still stored in plain text (accounts set
/// up before secrets were sealed), in one transaction with its audit record.
/// Returns how many it sealed; running it again seals nothing.
pub async fn seal_plain_secrets(db: &Db, key: &crate::sealed::SecretKey) -> Result<u64, AppError> {
    let rows = sqlx::query("SELECT id, totp_secret FROM users WHERE totp_secret IS NOT NULL")
        .fetch_all(db.pool())
        .await?;
    let plain: Vec<(i64, String)> = rows
        .iter()
        .map(|r| Ok((r.try_get::<i64, _>(0)?, r.try_get::<String, _>(1)?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()?
        .into_iter()
        .filter(|(_, s)| !crate::sealed::SecretKey::is_sealed(s))
        .collect();
    if plain.is_empty() {
        return Ok(0);
    }
    let mut tx = AuditedTx::begin_as(db, &Principal::system()).await?;
    for (id, secret) in &plain {
        sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
            .bind(key.seal(secret))
            .bind(id)
            .execute(tx.conn())
            .await?;
    }
    tx.audit(&AuditEntry {
        action: AuditAction::SecretsSealed,
        object_type: "users",
        object_id: String::new(),
        outcome: "ok",
        ip: "local".into(),
        details: json!({ "totp_secrets": plain.len() }),
    })
    .await?;
    tx.commit().await?;
    Ok(plain.len() as u64)
}
