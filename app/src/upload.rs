//! Receiving uploaded files (server only). A form's file is streamed, as
//! it arrives, into an unnamed file in the uploads folder (it vanishes when
//! closed, even if the process dies), hashed on the way and cut off past
//! its limit: receiving a file never holds it whole in memory (what the
//! caller then does with the file is the caller's: the CSV import reads it
//! back whole to parse it, within its 64 MiB limit).

use std::io::{Seek, SeekFrom};
use std::path::Path;

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::{AppError, Field, Problem};

/// The form of a multipart request, as server functions hand it over.
pub type Form = multer::Multipart<'static>;

/// A received file, rewound to its start.
#[derive(Debug)]
pub struct Received {
    pub file: std::fs::File,
    pub bytes: u64,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// The name the sender gave it, if any.
    pub file_name: Option<String>,
}

fn unreadable(field: Field, error: multer::Error) -> AppError {
    match error {
        // The body limit of the route cut it off.
        multer::Error::StreamReadFailed(_) | multer::Error::StreamSizeExceeded { .. } => {
            tracing::info!(error = %error, "upload cut off");
        }
        _ => tracing::info!(error = %error, "upload unreadable"),
    }
    AppError::validation(field, Problem::UploadUnreadable)
}

/// The next part of `form`, which must be the one called `name`; `field`
/// names it to the user when it is not there.
async fn next_part(
    form: &mut Form,
    name: &str,
    field: Field,
) -> Result<multer::Field<'static>, AppError> {
    match form.next_field().await {
        Ok(Some(part)) if part.name() == Some(name) => Ok(part),
        Ok(_) => Err(AppError::validation(field, Problem::Required)),
        Err(e) => Err(unreadable(field, e)),
    }
}

/// The next part of `form`, the text field `name`, of at most `max` bytes
/// (read no further than that).
pub async fn text_part(
    form: &mut Form,
    name: &str,
    field: Field,
    max: usize,
) -> Result<String, AppError> {
    let mut part = next_part(form, name, field).await?;
    let mut text = Vec::new();
    while let Some(chunk) = part.chunk().await.map_err(|e| unreadable(field, e))? {
        if text.len() + chunk.len() > max {
            return Err(AppError::validation(
                field,
                Problem::TooLong {
                    max: max.to_string(),
                },
            ));
        }
        text.extend_from_slice(&chunk);
    }
    String::from_utf8(text).map_err(|_| AppError::validation(field, Problem::NotUtf8))
}

/// The next part of `form`, the file `name`, written to an unnamed file in
/// `dir` as it arrives; refused past `max` bytes or when empty.
pub async fn file_part(
    form: &mut Form,
    name: &str,
    field: Field,
    dir: &Path,
    max: u64,
) -> Result<Received, AppError> {
    let mut part = next_part(form, name, field).await?;
    let file_name = part.file_name().map(str::to_string);
    let std_file = tempfile::tempfile_in(dir).map_err(|e| {
        tracing::error!(error = %e, dir = %dir.display(), "cannot make a file for an upload");
        AppError::Internal
    })?;
    let mut file = tokio::fs::File::from_std(std_file);
    let mut hash = Sha256::new();
    let mut bytes = 0u64;
    while let Some(chunk) = part.chunk().await.map_err(|e| unreadable(field, e))? {
        bytes += chunk.len() as u64;
        if bytes > max {
            return Err(AppError::validation(
                field,
                Problem::FileTooLarge {
                    max: crate::format::format_bytes(max),
                },
            ));
        }
        hash.update(&chunk);
        file.write_all(&chunk).await.map_err(|e| {
            tracing::error!(error = %e, "cannot write an upload to its file");
            AppError::Unavailable(Problem::Internal)
        })?;
    }
    if bytes == 0 {
        return Err(AppError::validation(field, Problem::FileEmpty));
    }
    file.flush().await.map_err(|_| AppError::Internal)?;
    let mut file = file.into_std().await;
    file.seek(SeekFrom::Start(0))
        .map_err(|_| AppError::Internal)?;
    Ok(Received {
        file,
        bytes,
        sha256: hex::encode(hash.finalize()),
        file_name,
    })
}
