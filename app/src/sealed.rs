//! Secrets at rest: TOTP secrets are kept encrypted, in the database and in
//! the session store, with a key that lives outside the database (a file
//! only its owner can read: `VIGIA_SECRET_KEY_FILE`, by default
//! `<data dir>/secret.key`). A copy of the database alone gives no one a
//! working second factor.
//!
//! The cipher is XChaCha20-Poly1305 (the `chacha20poly1305` crate, RustCrypto):
//! a random 192-bit nonce per value, authenticated, so a value moved to
//! another row or altered does not open. Stored form: `v1:` + hex(nonce ‖
//! ciphertext).

use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const PREFIX: &str = "v1:";
const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;

/// The key that seals secrets at rest. Its `Debug` shows nothing of it.
#[derive(Clone)]
pub struct SecretKey {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

/// Why the key could not be had (a settings error: `vigia` exits 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct KeyError {
    pub path: String,
    pub reason: String,
}

impl SecretKey {
    /// The key in `configured` (which must exist and be readable), or, when
    /// none is configured, the one in `<data_dir>/secret.key`, created with
    /// mode 600 on first run.
    pub fn load(configured: Option<&Path>, data_dir: &Path) -> Result<SecretKey, KeyError> {
        match configured {
            Some(path) => read_key(path),
            None => {
                let path = data_dir.join("secret.key");
                if !path.exists() {
                    create_key(&path)?;
                }
                read_key(&path)
            }
        }
    }

    /// A key from 32 bytes (tests).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> SecretKey {
        SecretKey {
            cipher: XChaCha20Poly1305::new(&bytes.into()),
        }
    }

    /// Seals `plain` for storage.
    pub fn seal(&self, plain: &str) -> String {
        use rand::RngCore;
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
            .expect("encrypting a short value in memory cannot fail");
        let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        format!("{PREFIX}{}", hex::encode(out))
    }

    /// Opens a value [`seal`](Self::seal) made with this key; `None` for
    /// anything else (another key, an altered value, a plain value).
    pub fn open(&self, stored: &str) -> Option<String> {
        let bytes = hex::decode(stored.strip_prefix(PREFIX)?).ok()?;
        if bytes.len() <= NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(XNonce::from_slice(nonce), sealed)
            .ok()?;
        String::from_utf8(plain).ok()
    }

    /// Whether a stored value is sealed (as opposed to a plain value left
    /// from before sealing, which the migration seals).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }
}

fn key_error(path: &Path, reason: impl Into<String>) -> KeyError {
    KeyError {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

fn read_key(path: &Path) -> Result<SecretKey, KeyError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| key_error(path, format!("cannot read the secret key file: {e}")))?;
    let bytes = hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; KEY_LEN]>::try_from(b).ok())
        .ok_or_else(|| key_error(path, "is not a secret key (64 hexadecimal digits)"))?;
    Ok(SecretKey::from_bytes(bytes))
}

fn create_key(path: &Path) -> Result<(), KeyError> {
    use rand::RngCore;
    use std::io::Write;
    let mut bytes = [0u8; KEY_LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::store::create_private_dir(dir)
            .map_err(|e| key_error(dir, format!("cannot create the folder: {e}")))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|e| key_error(path, format!("cannot create the secret key file: {e}")))?;
    writeln!(file, "{}", hex::encode(bytes))
        .map_err(|e| key_error(path, format!("cannot write the secret key file: {e}")))?;
    Ok(())
}

/// Where the key is when none is configured.
pub fn default_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("secret.key")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_with_its_key_only() {
        let key = SecretKey::from_bytes([7; 32]);
        let sealed = key.seal("JBSWY3DPEHPK3PXP");
        assert!(SecretKey::is_sealed(&sealed));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(
            sealed,
            key.seal("JBSWY3DPEHPK3PXP"),
            "a fresh nonce each time"
        );
        assert_eq!(key.open(&sealed).as_deref(), Some("JBSWY3DPEHPK3PXP"));
        assert_eq!(SecretKey::from_bytes([8; 32]).open(&sealed), None);
        let mut altered = sealed.clone();
        altered.replace_range(sealed.len() - 2.., "00");
        assert_eq!(key.open(&altered), None);
        assert_eq!(key.open("JBSWY3DPEHPK3PXP"), None);
        assert_eq!(format!("{key:?}"), "SecretKey([redacted])");
    }

    #[test]
    fn the_key_file_is_made_once_for_its_owner_only_and_a_bad_one_is_refused() {
        let dir = std::env::temp_dir().join(format!("vigia-key-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        let first = SecretKey::load(None, &dir).unwrap();
        let again = SecretKey::load(None, &dir).unwrap();
        assert_eq!(again.open(&first.seal("x")).as_deref(), Some("x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(default_key_path(&dir))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        let missing = SecretKey::load(Some(&dir.join("nope.key")), &dir).unwrap_err();
        assert!(missing.reason.contains("cannot read"), "{missing}");
        std::fs::write(dir.join("bad.key"), "not hex").unwrap();
        let bad = SecretKey::load(Some(&dir.join("bad.key")), &dir).unwrap_err();
        assert!(bad.reason.contains("64 hexadecimal digits"), "{bad}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
