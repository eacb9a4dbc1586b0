//! The machine API's clients: scoped bearer tokens, stored only as hashes
//! (server only).
//!
//! A token is `vgt_` and 64 hex digits: 256 random bits. With that much
//! entropy a single SHA-256 is enough to keep it (nothing to guess, unlike a
//! password), and it lets a request find its client with one indexed lookup.

use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::ApiClientView;
use crate::audit::{AuditAction, AuditEntry, AuditedTx};
use crate::error::{AppError, Field, Problem};
use crate::policy::{act, Permit, Principal, Scope};
use crate::store::Db;

/// A token as issued: shown once, never stored, never logged.
pub struct Token(String);

impl Token {
    /// A new token: 32 bytes from the operating system's generator.
    pub fn generate() -> Token {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Token(format!("vgt_{}", hex::encode(bytes)))
    }

    /// The secret itself, to show the one time it is issued.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// What is stored of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The first characters of a token, to tell tokens apart in lists.
pub fn token_hint(token: &str) -> String {
    token.chars().take(12).collect()
}

/// A client name: 3 to 64 of a-z, 0-9, dot, dash, underscore.
pub fn parse_name(name: &str) -> Result<String, AppError> {
    let name = name.trim().to_lowercase();
    if !(3..=64).contains(&name.chars().count()) {
        return Err(AppError::validation(Field::Name, Problem::ClientNameLength));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
    {
        return Err(AppError::validation(
            Field::Name,
            Problem::ClientNameCharacters,
        ));
    }
    Ok(name)
}

fn client_event(
    action: AuditAction,
    name: &str,
    ip: &str,
    details: serde_json::Value,
) -> AuditEntry {
    AuditEntry {
        action,
        object_type: "api_client",
        object_id: name.to_string(),
        outcome: "ok",
        ip: ip.to_string(),
        details,
    }
}

/// Creates a client with `scopes` and returns it with its token, the only
/// time the token exists outside the caller.
#[tracing::instrument(skip_all, fields(actor = %actor.label()))]
pub async fn create_client(
    db: &Db,
    actor: &Permit<act::ManageApiClients>,
    ip: &str,
    name: &str,
    scopes: &str,
) -> Result<(ApiClientView, Token), AppError> {
    let name = parse_name(name)?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    let token = create_client_in(&mut tx, actor, ip, &name, scopes).await?;
    tx.commit().await?;
    let view = find_client(db, &name).await?.ok_or(AppError::Internal)?;
    Ok((view, token))
}

/// Creates a client in `tx`, a transaction of the caller's (the demo
/// loader's), with its audit record; the caller commits.
pub async fn create_client_in(
    tx: &mut AuditedTx,
    actor: &Permit<act::ManageApiClients>,
    ip: &str,
    name: &str,
    scopes: &str,
) -> Result<Token, AppError> {
    let name = parse_name(name)?;
    let scopes = Scope::parse_list(scopes)?;
    let token = Token::generate();
    let now = crate::time::now_ms();
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM api_clients WHERE name = $1")
        .bind(&name)
        .fetch_optional(tx.conn())
        .await?;
    if taken.is_some() {
        return Err(AppError::validation(
            Field::Name,
            Problem::ClientExists {
                name: name.to_string(),
            },
        ));
    }
    sqlx::query(
        "INSERT INTO api_clients (name, token_hash, token_hint, scopes, disabled, created_at, created_by) \
         VALUES ($1, $2, $3, $4, 0, $5, $6)",
    )
    .bind(&name)
    .bind(token_hash(token.reveal()))
    .bind(token_hint(token.reveal()))
    .bind(Scope::join(&scopes))
    .bind(now)
    .bind(actor.label())
    .execute(tx.conn())
    .await?;
    tx.audit(&client_event(
        AuditAction::ApiClientCreated,
        &name,
        ip,
        json!({ "scopes": Scope::join(&scopes), "token_hint": token_hint(token.reveal()) }),
    ))
    .await?;
    Ok(token)
}

/// Registers a camera's footage to the client `client` (or to none: the
/// next client that sends for it), audited. The camera is a plate's
/// `cabin` or `forward` one.
#[tracing::instrument(skip_all, fields(actor = %actor.label()))]
pub async fn set_camera_client(
    db: &Db,
    actor: &Permit<act::ManageApiClients>,
    ip: &str,
    plate: &str,
    placement: &str,
    client: Option<&str>,
) -> Result<(), AppError> {
    let plate =
        crate::values::Plate::parse(plate).map_err(|p| AppError::validation(Field::Vehicle, p))?;
    let placement = match placement.trim() {
        p @ ("cabin" | "forward") => p,
        other => {
            return Err(AppError::validation(
                Field::Camera,
                Problem::not_one_of(other, &["cabin", "forward"]),
            ))
        }
    };
    let mut tx = AuditedTx::begin(db, actor).await?;
    let camera: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT c.id, c.client_id FROM cameras c JOIN vehicles v ON v.id = c.vehicle_id \
         WHERE v.plate = $1 AND c.placement = $2",
    )
    .bind(plate.as_str())
    .bind(placement)
    .fetch_optional(tx.conn())
    .await?;
    let Some((camera, before)) = camera else {
        return Err(AppError::validation(
            Field::Vehicle,
            Problem::NoVehicle {
                plate: plate.to_string(),
            },
        ));
    };
    let client_id = match client {
        None => None,
        Some(name) => Some(
            sqlx::query_scalar::<_, i64>("SELECT id FROM api_clients WHERE name = $1")
                .bind(name.trim())
                .fetch_optional(tx.conn())
                .await?
                .ok_or_else(|| {
                    AppError::validation(
                        Field::Name,
                        Problem::NoSuchClient {
                            name: name.trim().to_string(),
                        },
                    )
                })?,
        ),
    };
    sqlx::query("UPDATE cameras SET client_id = $1 WHERE id = $2")
        .bind(client_id)
        .bind(camera)
        .execute(tx.conn())
        .await?;
    tx.audit(&AuditEntry {
        action: AuditAction::CameraClientChanged,
        object_type: "camera",
        object_id: format!("{plate} {placement}"),
        outcome: "ok",
        ip: ip.to_string(),
        details: json!({ "from_client_id": before, "to": client.map(str::trim) }),
    })
    .await?;
    tx.commit().await
}

const CLIENT_COLUMNS: &str =
    "name, token_hint, scopes, disabled, created_at, created_by, last_used_at, refused";

fn view_of(r: &sqlx::any::AnyRow) -> Result<ApiClientView, sqlx::Error> {
    let scopes: String = r.try_get("scopes")?;
    Ok(ApiClientView {
        name: r.try_get("name")?,
        token_hint: r.try_get("token_hint")?,
        scopes: scopes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        created_at: r.try_get("created_at")?,
        created_by: r.try_get("created_by")?,
        last_used_at: r.try_get("last_used_at")?,
        last_used: r
            .try_get::<Option<i64>, _>("last_used_at")?
            .map(crate::time::local_minute_zoned),
        refused: r.try_get("refused")?,
    })
}

async fn find_client(db: &Db, name: &str) -> Result<Option<ApiClientView>, AppError> {
    let row = sqlx::query(&format!(
        "SELECT {CLIENT_COLUMNS} FROM api_clients WHERE name = $1"
    ))
    .bind(name)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.as_ref().map(view_of).transpose()?)
}

/// Every client, by name. Takes the reader's [`Actor`]: the policy has
/// allowed `ReadApiClients` (or `ManageApiClients`).
pub async fn list_clients(
    db: &Db,
    _reader: &Permit<act::ReadApiClients>,
) -> Result<Vec<ApiClientView>, AppError> {
    let rows = sqlx::query(&format!(
        "SELECT {CLIENT_COLUMNS} FROM api_clients ORDER BY name"
    ))
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(view_of).collect::<Result<_, _>>()?)
}

/// Replaces a client's scopes.
#[tracing::instrument(skip_all, fields(actor = %actor.label()))]
pub async fn set_scopes(
    db: &Db,
    actor: &Permit<act::ManageApiClients>,
    ip: &str,
    name: &str,
    scopes: &str,
) -> Result<(), AppError> {
    let scopes = Scope::parse_list(scopes)?;
    let mut tx = AuditedTx::begin(db, actor).await?;
    let before: Option<String> =
        sqlx::query_scalar("SELECT scopes FROM api_clients WHERE name = $1")
            .bind(name)
            .fetch_optional(tx.conn())
            .await?;
    let before = before.ok_or_else(|| {
        AppError::NotFound(Problem::NoClient {
            name: name.to_string(),
        })
    })?;
    let after = Scope::join(&scopes);
    if before == after {
        return Ok(());
    }
    sqlx::query("UPDATE api_clients SET scopes = $1 WHERE name = $2")
        .bind(&after)
        .bind(name)
        .execute(tx.conn())
        .await?;
    tx.audit(&client_event(
        AuditAction::ApiClientScopesChanged,
        name,
        ip,
        json!({ "from": before, "to": after }),
    ))
    .await?;
    tx.commit().await
}

/// Disables (or enables again) a client: a disabled client's token is
/// refused from the next request on.
#[tracing::instrument(skip_all, fields(actor = %actor.label()))]
pub async fn set_disabled(
    db: &Db,
    actor: &Permit<act::ManageApiClients>,
    ip: &str,
    name: &str,
    disabled: bool,
) -> Result<(), AppError> {
    let mut tx = AuditedTx::begin(db, actor).await?;
    let before: Option<i64> =
        sqlx::query_scalar("SELECT disabled FROM api_clients WHERE name = $1")
            .bind(name)
            .fetch_optional(tx.conn())
            .await?;
    let before = before.ok_or_else(|| {
        AppError::NotFound(Problem::NoClient {
            name: name.to_string(),
        })
    })?;
    if (before != 0) == disabled {
        return Ok(());
    }
    sqlx::query("UPDATE api_clients SET disabled = $1 WHERE name = $2")
        .bind(i64::from(disabled))
        .bind(name)
        .execute(tx.conn())
        .await?;
    let action = if disabled {
        AuditAction::ApiClientDisabled
    } else {
        AuditAction::ApiClientEnabled
    };
    tx.audit(&client_event(action, name, ip, json!({}))).await?;
    tx.commit().await
}

/// Why the API refused a request before looking at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization: Bearer` header (401).
    Missing,
    /// A token no client has (401).
    Unknown,
    /// The client is disabled (403).
    Disabled,
    /// The client lacks the scope (403).
    Scope,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Missing => "missing",
            Refusal::Unknown => "unknown",
            Refusal::Disabled => "disabled",
            Refusal::Scope => "scope",
        }
    }

    /// The status API.md gives it.
    pub fn status(self) -> http::StatusCode {
        match self {
            Refusal::Missing | Refusal::Unknown => http::StatusCode::UNAUTHORIZED,
            Refusal::Disabled | Refusal::Scope => http::StatusCode::FORBIDDEN,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refusal::Missing => "send the client's token as Authorization: Bearer <token>",
            Refusal::Unknown => "the token is not one Vigía issued, or it was mistyped",
            Refusal::Disabled => "this API client is disabled",
            Refusal::Scope => "this API client's scopes do not allow this endpoint",
        }
    }
}

/// The token of an `Authorization: Bearer …` header value.
pub fn bearer_token(header: Option<&str>) -> Option<&str> {
    let value = header?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The principal a token stands for: an enabled client with its scopes;
/// or why not (the outer error: the database did not answer).
pub async fn authenticate(
    db: &Db,
    token: Option<&str>,
) -> Result<Result<Principal, (Refusal, Option<i64>)>, sqlx::Error> {
    let Some(token) = token else {
        return Ok(Err((Refusal::Missing, None)));
    };
    let row =
        sqlx::query("SELECT id, name, scopes, disabled FROM api_clients WHERE token_hash = $1")
            .bind(token_hash(token))
            .fetch_optional(db.pool())
            .await?;
    let Some(row) = row else {
        return Ok(Err((Refusal::Unknown, None)));
    };
    let id: i64 = row.try_get(0)?;
    if row.try_get::<i64, _>(3)? != 0 {
        return Ok(Err((Refusal::Disabled, Some(id))));
    }
    let scopes = Scope::parse_list(&row.try_get::<String, _>(2)?).unwrap_or_default();
    Ok(Ok(crate::identity::api_client_principal(
        id,
        row.try_get(1)?,
        scopes,
    )))
}

/// Counts a refused request: by reason, on its client when known, and in
/// the minute's window of its client, address and reason (which
/// [`record_refusal_windows`] turns into one audit record).
pub async fn count_refusal(db: &Db, refusal: Refusal, client: Option<i64>, ip: &str) {
    let now = crate::time::now_ms();
    let counted = async {
        sqlx::query(
            "INSERT INTO api_refusal_windows (client_id, ip, reason, minute, refused, first_at, last_at) \
             VALUES ($1, $2, $3, $4, 1, $5, $5) \
             ON CONFLICT (client_id, ip, reason, minute) \
             DO UPDATE SET refused = api_refusal_windows.refused + 1, last_at = $5",
        )
        .bind(client.unwrap_or(0))
        .bind(ip)
        .bind(refusal.as_str())
        .bind(now.div_euclid(60_000))
        .bind(now)
        .execute(db.pool())
        .await?;
        sqlx::query(
            "INSERT INTO api_refusals (reason, refused, last_at) VALUES ($1, 1, $2) \
             ON CONFLICT (reason) DO UPDATE SET refused = api_refusals.refused + 1, last_at = $2",
        )
        .bind(refusal.as_str())
        .bind(now)
        .execute(db.pool())
        .await?;
        if let Some(id) = client {
            sqlx::query("UPDATE api_clients SET refused = refused + 1 WHERE id = $1")
                .bind(id)
                .execute(db.pool())
                .await?;
        }
        Ok::<_, sqlx::Error>(())
    }
    .await;
    if let Err(e) = counted {
        tracing::warn!(error = %e, reason = refusal.as_str(), "cannot count a refused API request");
    }
}

/// Writes one audit record for each closed window of refused requests (a
/// client, an address, a reason, a minute) with its count, and removes the
/// window, in one transaction: a flood of refusals adds a record a minute
/// per sender. Windows still open (this minute) wait. Safe to run on
/// several servers at once: each window is taken by one transaction.
/// Returns the number of records written.
pub async fn record_refusal_windows(db: &Db) -> Result<usize, AppError> {
    let current = crate::time::now_ms().div_euclid(60_000);
    let mut tx = crate::audit::AuditedTx::begin_as(db, &Principal::system()).await?;
    let rows = sqlx::query(
        "DELETE FROM api_refusal_windows WHERE minute < $1 \
         RETURNING client_id, ip, reason, minute, refused, first_at, last_at",
    )
    .bind(current)
    .fetch_all(tx.conn())
    .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let mut windows = rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get::<i64, _>(0)?,
                r.try_get::<String, _>(1)?,
                r.try_get::<String, _>(2)?,
                r.try_get::<i64, _>(3)?,
                r.try_get::<i64, _>(4)?,
                r.try_get::<i64, _>(5)?,
                r.try_get::<i64, _>(6)?,
            ))
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    windows.sort_by_key(|w| (w.3, w.0, w.2.clone(), w.1.clone()));
    let names: std::collections::HashMap<i64, String> =
        sqlx::query("SELECT id, name FROM api_clients")
            .fetch_all(tx.conn())
            .await?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_, sqlx::Error>>()?;
    for (client, ip, reason, minute, refused, first_at, last_at) in &windows {
        let client_name = names.get(client).cloned();
        tx.audit(&AuditEntry {
            action: AuditAction::ApiRequestsRefused,
            object_type: "api_client",
            object_id: client_name.clone().unwrap_or_default(),
            outcome: "denied",
            ip: ip.clone(),
            details: json!({
                "reason": reason,
                "refused": refused,
                "minute_start": minute * 60_000,
                "first_at": first_at,
                "last_at": last_at,
            }),
        })
        .await?;
    }
    tx.commit().await?;
    Ok(windows.len())
}

/// Refused requests by reason, for the admin page.
pub async fn refusal_counts(
    db: &Db,
    _reader: &Permit<act::ReadApiClients>,
) -> Result<Vec<(String, i64)>, AppError> {
    let rows = sqlx::query("SELECT reason, refused FROM api_refusals ORDER BY reason")
        .fetch_all(db.pool())
        .await?;
    Ok(rows
        .iter()
        .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_redacted_in_logs() {
        let a = Token::generate();
        let b = Token::generate();
        assert_ne!(a.reveal(), b.reveal());
        assert_eq!(a.reveal().len(), 4 + 64);
        assert!(a.reveal().starts_with("vgt_"));
        assert_eq!(format!("{a:?}"), "Token(<redacted>)");
        assert_eq!(token_hash(a.reveal()).len(), 64);
        assert_ne!(token_hash(a.reveal()), a.reveal());
    }

    #[test]
    fn bearer_header_forms() {
        assert_eq!(bearer_token(Some("Bearer vgt_abc")), Some("vgt_abc"));
        assert_eq!(bearer_token(Some("bearer  vgt_abc ")), Some("vgt_abc"));
        assert_eq!(bearer_token(Some("Basic dXNlcjpwYXNz")), None);
        assert_eq!(bearer_token(Some("Bearer ")), None);
        assert_eq!(bearer_token(None), None);
    }

    #[test]
    fn client_names_are_checked() {
        assert_eq!(parse_name(" Centro-Control ").unwrap(), "centro-control");
        assert!(parse_name("ab").is_err());
        assert!(parse_name("centro control")
            .unwrap_err()
            .to_string()
            .starts_with("name:"));
    }
}
