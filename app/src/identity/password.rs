//! Password hashing (argon2id, OWASP parameters) and the rules for new
//! passwords (NIST SP 800-63B: length, no composition rules, not a known
//! common password).

use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{AppError, Field, Problem};

pub const MIN_LENGTH: usize = 12;
/// Long enough for any passphrase; bounded so hashing cost is bounded.
pub const MAX_LENGTH: usize = 256;

static COMMON: LazyLock<std::collections::HashSet<String>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// argon2id with m = 19 MiB, t = 2, p = 1 (OWASP's first recommendation).
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Checks a new password against the rules; the error names the field.
pub fn check_new(field: Field, password: &str) -> Result<(), AppError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(AppError::validation(
            field,
            Problem::PasswordTooShort {
                min: MIN_LENGTH,
                length,
            },
        ));
    }
    if length > MAX_LENGTH {
        return Err(AppError::validation(
            field,
            Problem::TooLong {
                max: MAX_LENGTH.to_string(),
            },
        ));
    }
    if COMMON.contains(&password.to_lowercase()) {
        return Err(AppError::validation(field, Problem::CommonPassword));
    }
    Ok(())
}

/// Passwords hashed or checked at once, at most: each takes 19 MiB, so this
/// bounds argon2's memory (76 MiB). A request beyond waits up to
/// [`CHECK_WAIT`] for its turn, then is answered 503.
pub const CONCURRENT_CHECKS: usize = 4;
/// How long a password check waits for its turn.
pub const CHECK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

static CHECKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(CONCURRENT_CHECKS);

/// A turn to run argon2, or 503 after [`CHECK_WAIT`].
async fn turn() -> Result<tokio::sync::SemaphorePermit<'static>, AppError> {
    match tokio::time::timeout(CHECK_WAIT, CHECKS.acquire()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => {
            tracing::warn!("password checks are all busy: a request was turned away");
            Err(AppError::Unavailable(Problem::PasswordChecksBusy))
        }
    }
}

/// Takes every turn, for a test of what a busy server answers.
#[cfg(feature = "test-support")]
pub async fn hold_every_check() -> tokio::sync::SemaphorePermit<'static> {
    CHECKS
        .acquire_many(CONCURRENT_CHECKS as u32)
        .await
        .expect("the semaphore is never closed")
}

/// Hashes a password, off the async runtime (it takes tens of ms of CPU).
pub async fn hash(password: String) -> Result<String, AppError> {
    let _turn = turn().await?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(|_| AppError::Internal)?
    .map_err(|e| {
        tracing::error!(error = %e, "password hashing failed");
        AppError::Internal
    })
}

/// A hash of nothing anyone knows, verified against when the username does
/// not exist, so that unknown users take as long as wrong passwords.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(b"no such user: timing equaliser", &salt)
        .map(|h| h.to_string())
        .expect("dummy hash")
});

/// Whether `password` matches `stored` (or, with no stored hash, spends the
/// same time and answers no); 503 when every turn is taken too long.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    let _turn = turn().await?;
    Ok(tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
    .unwrap_or(false))
}

/// A random password for a new account: 20 characters from an alphabet
/// without look-alikes (about 114 bits).
pub fn generate() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_follow_nist() {
        assert!(check_new(Field::Password, "short").is_err());
        let err = check_new(Field::Password, "password1234").unwrap_err();
        assert!(err.to_string().contains("commonly used"), "{err}");
        assert!(
            check_new(Field::Password, "caballo batería grapa").is_ok(),
            "no composition rules"
        );
        assert!(check_new(Field::Password, &"x".repeat(300)).is_err());
    }

    #[tokio::test]
    async fn hashes_verify_and_are_argon2id() {
        let h = hash("caballo batería grapa".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("caballo batería grapa".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify("caballo bateria grapa".into(), Some(h))
            .await
            .unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }

    #[test]
    fn generated_passwords_pass_the_rules() {
        let p = generate();
        assert_eq!(p.len(), 20);
        assert!(check_new(Field::Password, &p).is_ok());
        assert_ne!(generate(), p);
    }
}
