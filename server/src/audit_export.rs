//! `GET /audit/export.csv`: the audit trail, filtered as on the page, as
//! CSV. A plain route (not a server function) so the browser downloads it;
//! it asks the policy like every handler, and the export is itself audited.

use app::audit::{self, AuditAction, AuditEntry};
use app::error::{AppError, Field, Problem};
use app::identity::require_for_session;
use app::identity::ClientAddr;
use app::policy::{act, Object};
use app::state::AppState;
use app::trail::store::{to_csv, Query as AuditQuery};
use app::trail::AuditSearch;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use tower_sessions::Session;

/// The most records one export holds; narrow the dates for more.
pub const MAX_EXPORT_ROWS: i64 = 100_000;

pub async fn export_audit(
    State(state): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    headers: HeaderMap,
    session: Session,
    Query(search): Query<AuditSearch>,
) -> Response {
    match export(&state, client, &session, search).await {
        Ok(response) => response,
        Err(e) => refused(&headers, e),
    }
}

/// A refused download, answered as text in the language of the page the
/// link was on (the language switch's cookie, else Spanish).
pub fn refused(headers: &HeaderMap, e: AppError) -> Response {
    let locale = app::error::page_locale(headers);
    (
        e.status(),
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        e.message(locale),
    )
        .into_response()
}

async fn export(
    state: &AppState,
    client: std::net::IpAddr,
    session: &Session,
    search: AuditSearch,
) -> Result<Response, AppError> {
    let ip = client.to_string();
    let reader = require_for_session(session, state, &ip, act::ReadAuditTrail, Object::Any).await?;
    let q = AuditQuery::new(&search, &reader)?;
    let total = q.count(&state.db).await?;
    if total > MAX_EXPORT_ROWS {
        return Err(AppError::validation(
            Field::From,
            Problem::ExportTooLarge {
                total: app::format::format_count(total),
                max: app::format::format_count(MAX_EXPORT_ROWS),
            },
        ));
    }
    let rows = q.fetch(&state.db, MAX_EXPORT_ROWS, 0).await?;
    let csv = to_csv(&rows);
    audit::record(
        &state.db,
        &reader,
        &AuditEntry {
            action: AuditAction::AuditExported,
            object_type: "audit_log",
            object_id: "export".into(),
            outcome: "ok",
            ip,
            details: serde_json::json!({ "filter": search, "rows": rows.len() }),
        },
    )
    .await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"vigia-audit.csv\"",
            ),
        ],
        csv,
    )
        .into_response())
}

/// `GET /fleet/sla.csv?month=YYYY-MM`: the contract SLA report as CSV
/// (fleet, regions, vehicles, cameras below target). Audited as an export.
pub async fn export_sla(
    State(state): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    headers: HeaderMap,
    session: Session,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let result = async {
        let ip = client.to_string();
        let reader =
            require_for_session(&session, &state, &ip, act::ReadSlaReports, Object::Any).await?;
        let report = app::fleet::sla::store::report(
            &state.db,
            &state.caches,
            &reader,
            params.get("month").map(String::as_str),
            state.camera_silent_ms,
            state.sla_target_percent,
        )
        .await?;
        let csv = app::fleet::sla::store::to_csv(&report);
        audit::record(
            &state.db,
            &reader,
            &AuditEntry {
                action: AuditAction::ReportExported,
                object_type: "sla_report",
                object_id: report.month.clone(),
                outcome: "ok",
                ip,
                details: serde_json::json!({ "below_target": report.below.len(), "target": report.target }),
            },
        )
        .await?;
        let disposition = format!("attachment; filename=\"vigia-sla-{}.csv\"", report.month);
        Ok::<_, AppError>(
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                csv,
            )
                .into_response(),
        )
    }
    .await;
    match result {
        Ok(response) => response,
        Err(e) => refused(&headers, e),
    }
}

/// The most cases one export holds; narrow the filters for more.
pub const MAX_CASE_EXPORT_ROWS: i64 = 50_000;

/// `GET /cases.csv?…`: the case list, with the list's filters as query
/// parameters, as CSV (formula-safe). Only the cases the reader may see;
/// audited as an export.
pub async fn export_cases(
    State(state): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    headers: HeaderMap,
    session: Session,
    Query(filter): Query<app::cases::CaseFilter>,
) -> Response {
    let result = async {
        let ip = client.to_string();
        let reader =
            require_for_session(&session, &state, &ip, act::ReadCases, Object::Any).await?;
        let selection = app::cases::store::Selection::new(state.db.backend(), &reader, &filter)?;
        let total = selection.count(&state.db).await?;
        if total > MAX_CASE_EXPORT_ROWS {
            return Err(AppError::validation(
                Field::State,
                Problem::ExportTooLarge {
                    total: app::format::format_count(total),
                    max: app::format::format_count(MAX_CASE_EXPORT_ROWS),
                },
            ));
        }
        let rows = selection.rows(&state.db, MAX_CASE_EXPORT_ROWS, 0).await?;
        let csv = app::cases::store::to_csv(&rows);
        audit::record(
            &state.db,
            &reader,
            &AuditEntry {
                action: AuditAction::CasesExported,
                object_type: "cases",
                object_id: "export".into(),
                outcome: "ok",
                ip,
                details: serde_json::json!({ "filter": selection.filter, "rows": rows.len() }),
            },
        )
        .await?;
        Ok::<_, AppError>(
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                    (
                        header::CONTENT_DISPOSITION,
                        "attachment; filename=\"vigia-cases.csv\"",
                    ),
                ],
                csv,
            )
                .into_response(),
        )
    }
    .await;
    match result {
        Ok(response) => response,
        Err(e) => refused(&headers, e),
    }
}

/// `GET /cases/{number}/documents/{id}`: a case document, as an attachment
/// of its type (never shown inline: `nosniff`, a sandboxing CSP), once its
/// bytes have been checked against their SHA-256 and the read audited. A
/// case the reader may not see is not found; a document that no longer
/// matches is refused with the reason (and the refusal audited).
pub async fn case_document(
    State(state): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    headers: HeaderMap,
    session: Session,
    axum::extract::Path((number, id)): axum::extract::Path<(String, String)>,
) -> Response {
    let result = async {
        let ip = client.to_string();
        let reader =
            require_for_session(&session, &state, &ip, act::ReadCases, Object::Any).await?;
        let doc = app::cases::evidence::download(
            &state.db,
            &state.documents,
            &reader,
            &ip,
            &number,
            &id,
            &state.upload_dir,
        )
        .await?;
        let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(
            tokio::fs::File::from_std(doc.file),
        ));
        let disposition = attachment(&doc.file_name);
        Ok::<_, AppError>(
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, doc.content_type),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CONTENT_LENGTH, doc.bytes.to_string()),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
                    (
                        header::CONTENT_SECURITY_POLICY,
                        "sandbox; default-src 'none'".into(),
                    ),
                    (header::CACHE_CONTROL, "no-store".into()),
                    (
                        header::HeaderName::from_static("x-content-sha256"),
                        doc.sha256,
                    ),
                ],
                body,
            )
                .into_response(),
        )
    }
    .await;
    match result {
        Ok(response) => response,
        Err(e) => refused(&headers, e),
    }
}

/// `attachment; filename="Informe_n.pdf"; filename*=UTF-8''Informe%20n%C2%BA.pdf`
/// (RFC 6266): an ASCII name for old clients, the real one for the rest.
fn attachment(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_document_downloads_under_its_own_name() {
        assert_eq!(
            super::attachment("Acta nº 3.pdf"),
            "attachment; filename=\"Acta_n__3.pdf\"; filename*=UTF-8''Acta%20n%C2%BA%203.pdf"
        );
    }
}
