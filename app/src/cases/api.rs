//! The cases' server functions: each asks the policy through
//! [`crate::rpc::call`] for the action on cases as a whole, and the service
//! asks again for the action on the case itself, inside its transaction.

use leptos::prelude::*;

use super::*;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::{Field, Problem};
#[cfg(feature = "ssr")]
use crate::policy::act;

/// Cases matching the filters, a page at a time, within what the reader
/// may see.
#[server(prefix = "/rpc", endpoint = "list_cases")]
#[allow(clippy::too_many_arguments)]
pub async fn list_cases(
    q: Option<String>,
    status: Option<String>,
    origin: Option<String>,
    allegation: Option<String>,
    region: Option<String>,
    assigned: Option<String>,
    overdue: Option<String>,
    sealed: Option<String>,
    sort: Option<String>,
    page: Option<i64>,
) -> Result<CasePage, AppError> {
    crate::rpc::call(act::ReadCases, |cx| async move {
        let filter = CaseFilter {
            q,
            status,
            origin,
            allegation,
            region,
            assigned,
            overdue,
            sealed,
            sort,
            page,
        };
        store::list(&cx.state.db, &cx.permit, &filter).await
    })
    .await
}

/// One case's page (the read is audited).
#[server(prefix = "/rpc", endpoint = "get_case")]
pub async fn get_case(number: String) -> Result<CaseFile, AppError> {
    crate::rpc::call(act::ReadCases, |cx| async move {
        store::case_file(
            &cx.state.db,
            &cx.permit,
            &cx.ip,
            &number,
            cx.state.documents.max_bytes,
        )
        .await
    })
    .await
}

/// How many of the reader's own cases are overdue.
#[server(prefix = "/rpc", endpoint = "my_overdue_cases")]
pub async fn my_overdue_cases() -> Result<i64, AppError> {
    crate::rpc::call(act::ReadCases, |cx| async move {
        store::overdue_count(&cx.state.db, &cx.permit).await
    })
    .await
}

/// The cases an officer is in, as the reader may see them.
#[server(prefix = "/rpc", endpoint = "officer_cases")]
pub async fn officer_cases(badge_number: String) -> Result<Vec<OfficerCase>, AppError> {
    crate::rpc::call(act::ReadCases, |cx| async move {
        store::officer_cases(&cx.state.db, &cx.permit, &badge_number).await
    })
    .await
}

/// The investigators a supervisor may assign a case to.
#[server(prefix = "/rpc", endpoint = "case_investigators")]
pub async fn case_investigators() -> Result<Vec<Person>, AppError> {
    crate::rpc::call(act::SuperviseCases, |cx| async move {
        store::investigators(&cx.state.db).await
    })
    .await
}

/// Opens a case at intake; answers its number.
#[server(prefix = "/rpc", endpoint = "create_case")]
#[allow(clippy::too_many_arguments)]
pub async fn create_case(
    title: String,
    summary: String,
    origin: String,
    intake_on: Option<String>,
    incident_at: Option<String>,
    unit: Option<String>,
    place: Option<String>,
    complainant: Option<String>,
    complainant_name: Option<String>,
    complainant_contact: Option<String>,
    accused: Option<String>,
    test: Option<String>,
    segment: Option<String>,
    evidence_reason: Option<String>,
) -> Result<String, AppError> {
    crate::rpc::call(act::WriteCases, |cx| async move {
        let input = CaseInput {
            title,
            summary,
            origin,
            intake_on: intake_on.unwrap_or_default(),
            incident_at: incident_at.unwrap_or_default(),
            unit: unit.unwrap_or_default(),
            place: place.unwrap_or_default(),
            complainant: complainant.unwrap_or_default(),
            complainant_name: complainant_name.unwrap_or_default(),
            complainant_contact: complainant_contact.unwrap_or_default(),
            accused: accused.unwrap_or_default(),
            test: test.unwrap_or_default(),
            segment: segment.unwrap_or_default(),
            evidence_reason: evidence_reason.unwrap_or_default(),
        };
        let number = write::create_case(
            &cx.state.db,
            &cx.permit,
            &cx.ip,
            &cx.state.case_deadlines,
            &input,
        )
        .await?;
        // A form sent without JavaScript lands on the new case's page.
        if crate::rpc::plain_form_post() {
            leptos_axum::redirect(&format!("/cases/{number}"));
        }
        Ok(number)
    })
    .await
}

/// Adds an officer to a case.
#[server(prefix = "/rpc", endpoint = "add_case_subject")]
pub async fn add_case_subject(
    number: String,
    badge_number: String,
    role: String,
) -> Result<(), AppError> {
    crate::rpc::call(act::WriteCases, |cx| async move {
        write::add_subject(
            &cx.state.db,
            &cx.permit,
            &cx.ip,
            &number,
            &badge_number,
            &role,
        )
        .await
    })
    .await
}

/// An allegation against an accused officer of the case.
#[server(prefix = "/rpc", endpoint = "add_case_allegation")]
pub async fn add_case_allegation(
    number: String,
    subject: i64,
    kind: String,
) -> Result<(), AppError> {
    crate::rpc::call(act::WriteCases, |cx| async move {
        write::add_allegation(&cx.state.db, &cx.permit, &cx.ip, &number, subject, &kind).await
    })
    .await
}

/// What the investigation found of an allegation.
#[server(prefix = "/rpc", endpoint = "record_case_finding")]
pub async fn record_case_finding(
    number: String,
    allegation: i64,
    finding: String,
) -> Result<(), AppError> {
    crate::rpc::call(act::WriteCases, |cx| async move {
        write::record_finding(
            &cx.state.db,
            &cx.permit,
            &cx.ip,
            &number,
            allegation,
            &finding,
        )
        .await
    })
    .await
}

/// A note on the case (append-only).
#[server(prefix = "/rpc", endpoint = "add_case_note")]
pub async fn add_case_note(
    number: String,
    body: String,
    corrects: Option<i64>,
) -> Result<(), AppError> {
    crate::rpc::call(act::WriteCases, |cx| async move {
        write::add_note(&cx.state.db, &cx.permit, &cx.ip, &number, &body, corrects).await
    })
    .await
}

/// Assigns the case to an investigator (supervisors).
#[server(prefix = "/rpc", endpoint = "assign_case")]
pub async fn assign_case(number: String, investigator: String) -> Result<(), AppError> {
    crate::rpc::call(act::SuperviseCases, |cx| async move {
        write::assign(&cx.state.db, &cx.permit, &cx.ip, &number, &investigator).await
    })
    .await
}

/// Seals the case (supervisors).
#[server(prefix = "/rpc", endpoint = "seal_case")]
pub async fn seal_case(number: String) -> Result<(), AppError> {
    crate::rpc::call(act::SuperviseCases, |cx| async move {
        write::set_sealed(&cx.state.db, &cx.permit, &cx.ip, &number, true).await
    })
    .await
}

/// Unseals the case (supervisors).
#[server(prefix = "/rpc", endpoint = "unseal_case")]
pub async fn unseal_case(number: String) -> Result<(), AppError> {
    crate::rpc::call(act::SuperviseCases, |cx| async move {
        write::set_sealed(&cx.state.db, &cx.permit, &cx.ip, &number, false).await
    })
    .await
}

/// Stops the case's clock, with the reason (supervisors).
#[server(prefix = "/rpc", endpoint = "pause_case_clock")]
pub async fn pause_case_clock(number: String, reason: String) -> Result<(), AppError> {
    crate::rpc::call(act::SuperviseCases, |cx| async move {
        write::pause_clock(&cx.state.db, &cx.permit, &cx.ip, &number, true, &reason).await
    })
    .await
}

/// Starts the case's clock again (supervisors).
#[server(prefix = "/rpc", endpoint = "resume_case_clock")]
pub async fn resume_case_clock(number: String, reason: Option<String>) -> Result<(), AppError> {
    crate::rpc::call(act::SuperviseCases, |cx| async move {
        let reason = reason.unwrap_or_default();
        write::pause_clock(&cx.state.db, &cx.permit, &cx.ip, &number, false, &reason).await
    })
    .await
}

/// Takes a step of the case's workflow (`step` is a [`CaseMove`] code).
#[server(prefix = "/rpc", endpoint = "move_case")]
pub async fn move_case(
    number: String,
    step: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    crate::rpc::call(act::ReadCases, |cx| async move {
        let reason = reason.unwrap_or_default();
        write::move_case(
            &cx.state.db,
            &cx.permit,
            &cx.ip,
            &cx.state.case_deadlines,
            &number,
            &step,
            &reason,
        )
        .await
    })
    .await
}

/// The ministry's decision on one accused officer.
#[server(prefix = "/rpc", endpoint = "decide_case")]
pub async fn decide_case(
    number: String,
    subject: i64,
    outcome: String,
    days: Option<String>,
    basis: String,
    decided_on: Option<String>,
) -> Result<(), AppError> {
    crate::rpc::call(act::DecideCase, |cx| async move {
        let input = write::DecisionInput {
            subject,
            outcome,
            days: days.unwrap_or_default(),
            basis,
            decided_on: decided_on.unwrap_or_default(),
        };
        write::decide(&cx.state.db, &cx.permit, &cx.ip, &number, &input).await
    })
    .await
}

/// Links a footage segment (and the time range inside it that matters;
/// both ends empty: all of it) to the case, with why.
#[server(prefix = "/rpc", endpoint = "link_case_footage")]
pub async fn link_case_footage(
    number: String,
    segment: String,
    from: Option<String>,
    to: Option<String>,
    reason: String,
) -> Result<(), AppError> {
    crate::rpc::call(act::WriteCases, |cx| async move {
        super::evidence::link_footage(
            &cx.state.db,
            &cx.permit,
            &cx.ip,
            &number,
            &segment,
            from.as_deref().unwrap_or(""),
            to.as_deref().unwrap_or(""),
            &reason,
        )
        .await
    })
    .await
}

/// Links officer `badge`'s track over `from`–`to` (the window the track
/// page shows) to the case, with why.
#[server(prefix = "/rpc", endpoint = "link_case_track")]
pub async fn link_case_track(
    number: String,
    badge: String,
    from: String,
    to: String,
    reason: String,
) -> Result<String, AppError> {
    crate::rpc::call(act::WriteCases, |cx| async move {
        super::evidence::link_track(
            &cx.state.db,
            &cx.permit,
            &cx.ip,
            &number,
            &badge,
            &from,
            &to,
            &reason,
        )
        .await?;
        Ok(number.trim().to_uppercase())
    })
    .await
}

/// Links a confidence test of one of the case's officers, with why.
#[server(prefix = "/rpc", endpoint = "link_case_test")]
pub async fn link_case_test(number: String, test: String, reason: String) -> Result<(), AppError> {
    crate::rpc::call(act::WriteCases, |cx| async move {
        let test = test
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::validation(Field::Test, Problem::NoTestOfSubject))?;
        super::evidence::link_test(&cx.state.db, &cx.permit, &cx.ip, &number, test, &reason).await
    })
    .await
}

/// Uploads a document to the case. A multipart form: `number`, `reason`
/// (why it is in the case), then `file`. The case is checked before the
/// file is read; the file streams to an unnamed file (never whole in
/// memory), cut off past the configured limit, its type read from its
/// first bytes; answers the document's id.
#[server(prefix = "/rpc", endpoint = "upload_case_document", input = server_fn::codec::MultipartFormData)]
pub async fn upload_case_document(data: server_fn::codec::MultipartData) -> Result<i64, AppError> {
    let Some(mut form) = data.into_inner() else {
        return Err(AppError::Internal);
    };
    crate::rpc::call(act::WriteCases, |cx| async move {
        let number = crate::upload::text_part(&mut form, "number", Field::Number, 32).await?;
        let reason = crate::upload::text_part(&mut form, "reason", Field::Reason, 2_000).await?;
        super::evidence::may_add_document(&cx.state.db, &cx.permit, &number).await?;
        let _slot = cx
            .state
            .uploads
            .documents
            .clone()
            .try_acquire_owned()
            .map_err(|_| AppError::Unavailable(Problem::UploadsBusy))?;
        let received = crate::upload::file_part(
            &mut form,
            "file",
            Field::File,
            &cx.state.upload_dir,
            cx.state.documents.max_bytes,
        )
        .await?;
        let file_name = received
            .file_name
            .clone()
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or("").to_string())
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| AppError::validation(Field::File, Problem::Required))?;
        let (file, first) = tokio::task::spawn_blocking(move || {
            use std::io::{Read, Seek, SeekFrom};
            let mut file = received.file;
            let mut first = vec![0u8; 8192];
            let n = file.read(&mut first)?;
            first.truncate(n);
            file.seek(SeekFrom::Start(0))?;
            Ok::<_, std::io::Error>((file, first))
        })
        .await
        .map_err(|_| AppError::Internal)?
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read an upload back");
            AppError::Internal
        })?;
        let content_type = crate::documents::document_type(&first, &file_name)
            .map_err(|problem| AppError::validation(Field::File, problem))?;
        let upload = super::evidence::Upload {
            file,
            bytes: received.bytes,
            sha256: received.sha256,
            file_name,
            content_type,
        };
        super::evidence::add_document(
            &cx.state.db,
            &cx.state.documents,
            &cx.permit,
            &cx.ip,
            &number,
            upload,
            &reason,
        )
        .await
    })
    .await
}
