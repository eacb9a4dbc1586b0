//! The document store (server only): case documents' bytes, named by their
//! SHA-256, through the `object_store` crate — a folder of the data folder
//! by default, an S3-compatible bucket by configuration
//! (`VIGIA_DOCUMENTS_URL=s3://bucket/prefix` with the usual `AWS_*`
//! variables). The same bytes twice are stored once.
//!
//! Bytes go in from the file an upload streamed into (never whole in
//! memory), in parts; they come out into an unnamed file, hashed on the
//! way, and only a file that still hashes to its name is served: what the
//! reader gets is what was checked.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

use futures::StreamExt;
use object_store::path::Path as Key;
use object_store::{ObjectStore, WriteMultipart};
use sha2::{Digest, Sha256};

use crate::error::{AppError, Problem};

/// The most a document may weigh unless configured otherwise (50 MiB).
pub const DEFAULT_MAX_BYTES: u64 = 50 * 1024 * 1024;

/// Bytes sent to the store per part (S3's smallest part is 5 MiB).
const PART_BYTES: usize = 8 * 1024 * 1024;

#[derive(Clone)]
pub struct DocumentStore {
    store: Arc<dyn ObjectStore>,
    /// Where the bytes are, for the log: a folder's path or `s3://…`.
    pub location: String,
    /// The most one document may weigh.
    pub max_bytes: u64,
    /// The folder, for a store on this machine (whose files are synced to
    /// disk before a document's row commits).
    folder: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for DocumentStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentStore")
            .field("location", &self.location)
            .field("max_bytes", &self.max_bytes)
            .finish()
    }
}

/// What reading a stored document found.
#[derive(Debug)]
pub enum Fetched {
    /// The bytes, checked against their SHA-256, in an unnamed file
    /// rewound to its start.
    Verified(std::fs::File),
    /// The store has no object under that name.
    Missing,
    /// The object no longer hashes to its name: this is its hash.
    Altered(String),
}

fn unavailable(e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "document store");
    AppError::Unavailable(Problem::DocumentStoreDown)
}

impl DocumentStore {
    /// The store `url` names: empty or absent, the folder `documents` of
    /// `data_dir`; `s3://bucket/prefix`, that bucket (credentials, region
    /// and endpoint from the `AWS_*` variables); `file:///path` or a path,
    /// that folder. Folders are made if missing.
    pub fn open(
        url: Option<&str>,
        data_dir: &Path,
        max_bytes: u64,
    ) -> Result<DocumentStore, String> {
        match url.map(str::trim).filter(|u| !u.is_empty()) {
            None => Self::folder(&data_dir.join("documents"), max_bytes),
            Some(u) if u.starts_with("s3://") => Self::s3(u, max_bytes),
            Some(u) if u.contains("://") && !u.starts_with("file://") => Err(format!(
                "{u:?}: give s3://bucket/prefix, file:///folder or a folder's path"
            )),
            Some(u) => Self::folder(Path::new(u.trim_start_matches("file://")), max_bytes),
        }
    }

    /// A folder on this machine.
    pub fn folder(dir: &Path, max_bytes: u64) -> Result<DocumentStore, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot make the documents folder {}: {e}", dir.display()))?;
        let store = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| format!("cannot use {} for documents: {e}", dir.display()))?;
        Ok(DocumentStore {
            store: Arc::new(store),
            location: dir.display().to_string(),
            max_bytes,
            folder: Some(dir.to_path_buf()),
        })
    }

    fn s3(url: &str, max_bytes: u64) -> Result<DocumentStore, String> {
        let rest = &url["s3://".len()..];
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(format!("{url:?} names no bucket: give s3://bucket/prefix"));
        }
        let mut builder = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(bucket);
        // A local S3-compatible server (MinIO, moto) is often plain HTTP.
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .or_else(|_| std::env::var("AWS_ENDPOINT"))
            .unwrap_or_default();
        if !endpoint.is_empty() {
            builder = builder
                .with_endpoint(&endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let s3 = builder
            .build()
            .map_err(|e| format!("cannot use {url:?} for documents: {e}"))?;
        let prefix = prefix.trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
        };
        Ok(DocumentStore {
            store,
            location: url.to_string(),
            max_bytes,
            folder: None,
        })
    }

    /// `sha256/ab/abcdef…`: spread over 256 folders.
    fn key(sha256: &str) -> Key {
        Key::from(format!(
            "sha256/{}/{sha256}",
            &sha256[..2.min(sha256.len())]
        ))
    }

    /// Whether the store holds `sha256`'s bytes.
    pub async fn contains(&self, sha256: &str) -> Result<bool, AppError> {
        match self.store.head(&Self::key(sha256)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Stores `file` (rewound, `sha256` its hash) under its hash, part by
    /// part; answers once the bytes are durable in the store.
    pub async fn put(&self, sha256: &str, mut file: std::fs::File) -> Result<(), AppError> {
        file.seek(SeekFrom::Start(0)).map_err(unavailable)?;
        let upload = self
            .store
            .put_multipart(&Self::key(sha256))
            .await
            .map_err(unavailable)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
        let result = async {
            loop {
                let (read, chunk, back) = tokio::task::spawn_blocking(move || {
                    let mut chunk = vec![0u8; PART_BYTES];
                    let mut filled = 0;
                    while filled < chunk.len() {
                        match file.read(&mut chunk[filled..]) {
                            Ok(0) => break,
                            Ok(n) => filled += n,
                            Err(e) => return (Err(e), chunk, file),
                        }
                    }
                    chunk.truncate(filled);
                    (Ok(filled), chunk, file)
                })
                .await
                .map_err(unavailable)?;
                file = back;
                if read.map_err(unavailable)? == 0 {
                    break;
                }
                writer.wait_for_capacity(2).await.map_err(unavailable)?;
                writer.write(&chunk);
            }
            Ok::<(), AppError>(())
        }
        .await;
        match result {
            Ok(()) => {
                writer.finish().await.map_err(unavailable)?;
                self.sync(sha256).await
            }
            Err(e) => {
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, "cannot abort a document upload");
                }
                Err(e)
            }
        }
    }

    /// On a folder, the object's file and the folders above it synced to
    /// disk (the store renames a finished upload into place but does not
    /// sync it): "stored" then survives a power cut.
    async fn sync(&self, sha256: &str) -> Result<(), AppError> {
        let Some(root) = self.folder.clone() else {
            return Ok(());
        };
        let key = Self::key(sha256).to_string();
        tokio::task::spawn_blocking(move || {
            let file = root.join(&key);
            std::fs::File::open(&file)?.sync_all()?;
            let mut dir = file.parent();
            while let Some(d) = dir {
                std::fs::File::open(d)?.sync_all()?;
                if d == root {
                    break;
                }
                dir = d.parent();
            }
            Ok::<(), std::io::Error>(())
        })
        .await
        .map_err(unavailable)?
        .map_err(unavailable)
    }

    /// Reads `sha256`'s bytes (`bytes` of them, as recorded) into an
    /// unnamed file in `dir`, hashing them on the way; an object larger
    /// than recorded is altered, and read no further.
    pub async fn fetch(&self, sha256: &str, bytes: u64, dir: &Path) -> Result<Fetched, AppError> {
        let got = match self.store.get(&Self::key(sha256)).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => return Ok(Fetched::Missing),
            Err(e) => return Err(unavailable(e)),
        };
        let mut file = tempfile::tempfile_in(dir).map_err(unavailable)?;
        let mut hash = Sha256::new();
        let mut stream = got.into_stream();
        let mut read = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(unavailable)?;
            read += chunk.len() as u64;
            if read > bytes {
                return Ok(Fetched::Altered(format!("more than {bytes} bytes")));
            }
            hash.update(&chunk);
            file = tokio::task::spawn_blocking(move || file.write_all(&chunk).map(|_| file))
                .await
                .map_err(unavailable)?
                .map_err(unavailable)?;
        }
        let found = hex::encode(hash.finalize());
        if found != sha256 {
            return Ok(Fetched::Altered(found));
        }
        file.flush().map_err(unavailable)?;
        file.seek(SeekFrom::Start(0)).map_err(unavailable)?;
        Ok(Fetched::Verified(file))
    }

    /// Overwrites the stored bytes of `sha256` (tests of the integrity
    /// check only).
    #[cfg(feature = "test-support")]
    pub async fn overwrite_for_tests(&self, sha256: &str, bytes: Vec<u8>) {
        self.store
            .put(&Self::key(sha256), bytes.into())
            .await
            .expect("overwrite a stored document");
    }
}

/// The types Vigía keeps as documents: their type, and the endings a
/// file of that type may have (the first is the one to name).
const TYPES: &[(&str, &[&str])] = &[
    ("application/pdf", &["pdf"]),
    ("image/png", &["png"]),
    ("image/jpeg", &["jpg", "jpeg"]),
    ("image/gif", &["gif"]),
    ("image/webp", &["webp"]),
    ("image/tiff", &["tif", "tiff"]),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &["docx"],
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &["xlsx"],
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        &["pptx"],
    ),
    ("application/vnd.oasis.opendocument.text", &["odt"]),
    ("application/vnd.oasis.opendocument.spreadsheet", &["ods"]),
    ("application/vnd.oasis.opendocument.presentation", &["odp"]),
    ("application/msword", &["doc"]),
    ("application/vnd.ms-excel", &["xls"]),
    ("application/vnd.ms-powerpoint", &["ppt"]),
];

/// What a document is, by what its first bytes say — PDF, images, office
/// files — and its name must say the same (a PDF named `.html` would be
/// saved, and opened, as a page). Anything else (HTML, scripts,
/// executables) is refused: a document is evidence to download, never a
/// page to render.
pub fn document_type(first_bytes: &[u8], file_name: &str) -> Result<&'static str, Problem> {
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let refused = || Problem::DocumentType {
        allowed: ACCEPTED_TYPES.to_string(),
    };
    let found = infer::get(first_bytes).ok_or_else(refused)?.mime_type();
    let by_extension = TYPES
        .iter()
        .find(|(_, endings)| endings.contains(&extension.as_str()))
        .map(|(t, _)| *t);
    let kind = match found {
        // A zip (OOXML, OpenDocument) or OLE (Office 97) container whose
        // contents the first bytes do not name: the ending says which office
        // file it is, if it names one of that container.
        "application/zip" => {
            by_extension.filter(|t| t.contains("openxmlformats") || t.contains("opendocument"))
        }
        "application/x-ole-storage" => {
            by_extension.filter(|t| t.contains("ms-") || t.contains("msword"))
        }
        other => TYPES.iter().find(|(t, _)| *t == other).map(|(t, _)| *t),
    }
    .ok_or_else(refused)?;
    if by_extension == Some(kind) {
        Ok(kind)
    } else {
        let endings = TYPES
            .iter()
            .find(|(t, _)| *t == kind)
            .map(|(_, e)| e)
            .into_iter()
            .flat_map(|e| e.iter());
        Err(Problem::DocumentName {
            expected: endings
                .map(|e| format!(".{e}"))
                .collect::<Vec<_>>()
                .join(", "),
        })
    }
}

/// What the refusal of another type names as accepted.
pub const ACCEPTED_TYPES: &str =
    "PDF, PNG, JPEG, GIF, WebP, TIFF, DOCX, XLSX, PPTX, ODT, ODS, ODP, DOC, XLS, PPT";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_is_what_its_bytes_say_not_its_name() {
        assert_eq!(
            document_type(b"%PDF-1.7\n...", "informe.pdf"),
            Ok("application/pdf")
        );
        // A PDF (or a page that starts like one) named as something else
        // is refused: the name is what the saved file opens as.
        assert_eq!(
            document_type(b"%PDF-1.4\n<html>", "informe.html"),
            Err(Problem::DocumentName {
                expected: ".pdf".into()
            })
        );
        assert!(document_type(b"%PDF-1.4\n", "renamed.txt").is_err());
        assert_eq!(
            document_type(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "Foto.PNG"),
            Ok("image/png")
        );
        // HTML named as a PDF is refused.
        assert!(matches!(
            document_type(b"<html><script>alert(1)</script>", "informe.pdf"),
            Err(Problem::DocumentType { .. })
        ));
        // A zip is an office file only when its name says which one.
        let zip = b"PK\x03\x04\x14\0\0\0\x08\0";
        assert!(document_type(zip, "acta.docx").is_ok());
        assert!(document_type(zip, "archivo.zip").is_err());
        assert!(document_type(zip, "acta.doc").is_err(), "not an OLE file");
    }

    #[tokio::test]
    async fn the_same_bytes_are_stored_once_and_come_back_checked() {
        let dir = tempfile::tempdir().unwrap();
        let store = DocumentStore::folder(dir.path(), DEFAULT_MAX_BYTES).unwrap();
        let bytes = b"%PDF-1.4 the same report".to_vec();
        let sha = hex::encode(Sha256::digest(&bytes));
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(&bytes).unwrap();
        assert!(!store.contains(&sha).await.unwrap());
        store.put(&sha, file.try_clone().unwrap()).await.unwrap();
        store.put(&sha, file).await.unwrap();
        assert!(store.contains(&sha).await.unwrap());
        let stored: Vec<_> = walk(dir.path());
        assert_eq!(
            stored.len(),
            1,
            "one object for the same bytes twice: {stored:?}"
        );
        let Fetched::Verified(mut back) = store
            .fetch(&sha, bytes.len() as u64, dir.path())
            .await
            .unwrap()
        else {
            panic!("the stored bytes must verify");
        };
        let mut read = Vec::new();
        back.read_to_end(&mut read).unwrap();
        assert_eq!(read, bytes);
        // Changed behind Vigía's back: refused, with the hash it has now.
        std::fs::write(&stored[0], b"%PDF-1.4 another report").unwrap();
        assert!(
            matches!(store.fetch(&sha, bytes.len() as u64, dir.path()).await.unwrap(), Fetched::Altered(h) if h != sha)
        );
        std::fs::remove_file(&stored[0]).unwrap();
        assert!(matches!(
            store
                .fetch(&sha, bytes.len() as u64, dir.path())
                .await
                .unwrap(),
            Fetched::Missing
        ));
    }

    fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() {
                out.extend(walk(&e.path()));
            } else {
                out.push(e.path());
            }
        }
        out
    }
}
