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

/// Failed sign-ins that lock an account…
pub const MAX_FAILURES: i64 = 5;
/// …when they fall within this window (CJIS AC-7).
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;

#[derive(Clone)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub locked_at: Option<i64>,
    pub roles: Vec<Role>,
    /// Base32 TOTP secret, once set up.
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
}

crate::debug_redacted!(UserRecord {
    id, username, display_name, must_change_password, disabled, locked_at, roles,
    totp_enabled, totp_last_step,
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
        }
    }

    /// Holds a role that requires a second factor, and has none yet.
    pub fn must_enroll_totp(&self, totp_required: &[Role]) -> bool {
        !self.totp_enabled && self.roles.iter().any(|r| totp_required.contains(r))
    }
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.password_hash, \
     u.must_change_password, u.disabled, u.locked_at, u.totp_secret, u.totp_enabled, \
     u.totp_last_step";

/// The account whose column `key` equals `value`, with its roles: one
/// query, a row per role (asked on every request, so kept to one).
async fn user_where(
    db: &Db,
    key: &str,
    value: impl for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send,
) -> Result<Option<UserRecord>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {USER_COLUMNS}, r.role FROM users u LEFT JOIN user_roles r ON r.user_id = u.id \
         WHERE u.{key} = $1"
    ))
    .bind(value)
    .fetch_all(db.pool())
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
        locked_at: row.try_get("locked_at")?,
        roles,
        totp_secret: row.try_get("totp_secret")?,
        totp_enabled: row.try_get::<i64, _>("totp_enabled")? != 0,
        totp_last_step: row.try_get("totp_last_step")?,
    }))
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

/// Signs in, or refuses with one answer for every reason. Failures are
/// counted and audited; the fifth within the window locks the account.
pub async fn sign_in(
    db: &Db,
    permit: &Permit<act::SignIn>,
    key: &crate::sealed::SecretKey,
    typed: Credentials<'_>,
    ip: &str,
    totp_required: &[Role],
) -> Result<CurrentUser, AppError> {
    let Credentials {
        username,
        password,
        code,
    } = typed;
    let name = username.trim().to_lowercase();
    let user = find_user(db, &name).await?;
    // Always verify, even for an unknown user: the answer takes as long.
    let matches = password::verify(
        password.to_string(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let failed = |reason: &str, failures: i64| AuditEntry {
        action: AuditAction::SignInFailed,
        object_type: "user",
        object_id: name.clone(),
        outcome: "failed",
        ip: ip.to_string(),
        details: json!({ "reason": reason, "recent_failures": failures }),
    };
    let Some(user) = user else {
        audit::record(db, permit, &failed("unknown user", 0)).await?;
        return Err(AppError::SignInRefused);
    };
    if user.disabled || user.locked_at.is_some() {
        let reason = if user.disabled {
            "account disabled"
        } else {
            "account locked"
        };
        audit::record(db, permit, &failed(reason, 0)).await?;
        return Err(AppError::SignInRefused);
    }
    let now = crate::time::now_ms();
    // With a second factor, the password alone is not enough: ask for the
    // code (not a failure), and count a wrong code as a failure.
    let mut totp_step = None;
    let mut reason = "wrong password";
    let mut matches = matches;
    if matches && user.totp_enabled {
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        let Some(code) = code else {
            return Err(AppError::SecondFactorNeeded);
        };
        let secret = user
            .totp_secret
            .as_deref()
            .and_then(|sealed| key.open(sealed))
            .as_deref()
            .and_then(super::totp::base32_decode)
            .ok_or(AppError::Internal)?;
        totp_step = super::totp::verify(&secret, code, now / 1000, user.totp_last_step);
        if totp_step.is_none() {
            matches = false;
            reason = "wrong second-factor code";
        }
    }
    if !matches {
        let mut tx = AuditedTx::begin(db, permit).await?;
        sqlx::query("INSERT INTO sign_in_failures (user_id, at) VALUES ($1, $2)")
            .bind(user.id)
            .bind(now)
            .execute(tx.conn())
            .await?;
        let recent: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sign_in_failures WHERE user_id = $1 AND at > $2",
        )
        .bind(user.id)
        .bind(now - FAILURE_WINDOW_MS)
        .fetch_one(tx.conn())
        .await?;
        tx.audit(&failed(reason, recent)).await?;
        if recent >= MAX_FAILURES {
            sqlx::query("UPDATE users SET locked_at = $1, updated_at = $1 WHERE id = $2")
                .bind(now)
                .bind(user.id)
                .execute(tx.conn())
                .await?;
            tx.audit_as(
                &Principal::system(),
                &account_event(
                    AuditAction::AccountLocked,
                    &user.username,
                    ip,
                    json!({ "failures": recent, "window_minutes": FAILURE_WINDOW_MS / 60_000 }),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        return Err(AppError::SignInRefused);
    }
    // The record of a sign-in names the person who just proved who they are.
    let mut tx = AuditedTx::begin_as(
        db,
        &Principal::user(user.id, user.username.clone(), user.roles.clone()),
    )
    .await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE user_id = $1")
        .bind(user.id)
        .execute(tx.conn())
        .await?;
    if let Some(step) = totp_step {
        sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2")
            .bind(step)
            .bind(user.id)
            .execute(tx.conn())
            .await?;
    }
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
        "UPDATE users SET totp_secret = $1, totp_enabled = 1, totp_last_step = $2, updated_at = $3 WHERE id = $4",
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
}
crate::debug_redacted!(NewUser { username, display_name, roles } hide { password });

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
         created_at, updated_at) VALUES ($1, $2, $3, 0, 0, $4, $4) RETURNING id",
    )
    .bind(&username)
    .bind(&display_name)
    .bind(&hash)
    .bind(now)
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
    tx.audit(&account_event(AuditAction::UserCreated, &username, ip, json!({ "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(), "display_name": display_name })))
    .await?;
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
    sqlx::query("UPDATE users SET locked_at = NULL, updated_at = $1 WHERE id = $2")
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
        json!({ "was_locked_at": user.locked_at }),
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
                locked: u.locked_at.is_some(),
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
    tx.commit().await
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
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = 1, updated_at = $2 WHERE id = $3")
        .bind(&hash)
        .bind(crate::time::now_ms())
        .bind(user.id)
        .execute(tx.conn())
        .await?;
    tx.audit(&account_event(
        AuditAction::PasswordReset,
        &user.username,
        ip,
        json!({ "must_change_password": true }),
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

/// Changes the actor's own password, given the current one.
pub async fn change_own_password(
    db: &Db,
    actor: &Permit<act::ManageOwnAccount>,
    ip: &str,
    current: &str,
    new: &str,
) -> Result<(), AppError> {
    let id = actor.user_id().ok_or(AppError::Unauthenticated)?;
    let user = load_user(db, id).await?.ok_or(AppError::Unauthenticated)?;
    if !password::verify(current.to_string(), Some(user.password_hash.clone())).await {
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
    let mut tx = AuditedTx::begin(db, actor).await?;
    sqlx::query("UPDATE users SET password_hash = $1, must_change_password = 0, updated_at = $2 WHERE id = $3")
        .bind(&hash)
        .bind(crate::time::now_ms())
        .bind(id)
        .execute(tx.conn())
        .await?;
    tx.audit(&account_event(
        AuditAction::PasswordChanged,
        &user.username,
        ip,
        json!({}),
    ))
    .await?;
    tx.commit().await
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
    sqlx::query(
        "UPDATE users SET totp_secret = NULL, totp_enabled = 0, totp_last_step = NULL, updated_at = $1 \
         WHERE id = $2",
    )
    .bind(crate::time::now_ms())
    .bind(user.id)
    .execute(tx.conn())
    .await?;
    tx.audit(&account_event(
        AuditAction::TotpReset,
        &user.username,
        ip,
        json!({ "was_enabled": user.totp_enabled }),
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
