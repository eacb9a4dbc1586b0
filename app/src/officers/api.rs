//! The officer records' server functions: each asks the policy through
//! [`crate::rpc::call`] and hands the work to the service.

use leptos::prelude::*;

use super::*;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::policy::act;

/// Officers matching a search, a page at a time, sorted on the server.
#[server(prefix = "/rpc", endpoint = "list_officers")]
pub async fn list_officers(
    q: Option<String>,
    rank: Option<String>,
    unit: Option<String>,
    status: Option<String>,
    sort: Option<String>,
    page: Option<i64>,
) -> Result<OfficerPage, AppError> {
    use crate::policy::Action;
    crate::rpc::call(act::ReadOfficers, |cx| async move {
        let filter = OfficerFilter {
            q,
            rank,
            unit,
            status,
            sort,
            page,
        };
        let mut page = cx
            .state
            .caches
            .get::<std::sync::Arc<directory::Directory>>()?
            .snapshot(&cx.state.db)
            .await?
            .page(&filter)?;
        page.may_write = cx
            .permit
            .also_allows(Action::WriteOfficers, crate::policy::Object::Any);
        Ok(page)
    })
    .await
}

/// One officer's file.
#[server(prefix = "/rpc", endpoint = "get_officer")]
pub async fn get_officer(badge_number: String) -> Result<OfficerProfile, AppError> {
    use crate::policy::Action;
    crate::rpc::call(act::ReadOfficers, |cx| async move {
        let mut profile = store::profile(&cx.state.db, &cx.permit, &cx.ip, &badge_number).await?;
        profile.may_write = cx
            .permit
            .also_allows(Action::WriteOfficers, crate::policy::Object::Any);
        if cx.permit.also_allows(
            Action::ReadTracks,
            crate::policy::Object::Officer(&profile.badge_number),
        ) {
            let now = crate::time::now_ms();
            profile.track_href = Some(format!(
                "/officers/{}/track?from={}&to={}",
                profile.badge_number,
                crate::time::local_iso_minute(now - 8 * 3_600_000),
                crate::time::local_iso_minute(now)
            ));
        }
        Ok(profile)
    })
    .await
}

/// The reader's permissions on an officer's file (404 for an unknown badge
/// number, so a page offers no forms for an officer who does not exist).
#[server(prefix = "/rpc", endpoint = "officer_permissions")]
pub async fn officer_permissions(badge_number: String) -> Result<FileAccess, AppError> {
    use crate::policy::Action;
    crate::rpc::call(act::ReadOfficers, |cx| async move {
        store::officer_id(&cx.state.db, &badge_number).await?;
        let may = |action| cx.permit.also_allows(action, crate::policy::Object::Any);
        Ok(FileAccess {
            write: may(Action::WriteOfficers),
            read_tests: may(Action::ReadConfidenceTests),
            write_tests: may(Action::WriteConfidenceTests),
            read_cases: may(Action::ReadCases),
        })
    })
    .await
}

/// Records an officer's change of status (suspension, dismissal,
/// retirement, return to service), with the date and the reason.
#[server(prefix = "/rpc", endpoint = "change_officer_status")]
pub async fn change_officer_status(
    badge_number: String,
    status: String,
    effective_on: String,
    reason: String,
) -> Result<(), AppError> {
    crate::rpc::call(act::WriteOfficers, |cx| async move {
        let change = StatusChange {
            badge_number,
            status,
            effective_on,
            reason,
        };
        store::change_status(&cx.state.db, &cx.permit, &cx.ip, &change).await
    })
    .await
}

/// Adds an officer (status `active` unless said otherwise).
#[server(prefix = "/rpc", endpoint = "create_officer")]
#[allow(clippy::too_many_arguments)]
pub async fn create_officer(
    badge_number: String,
    given_names: String,
    family_names: String,
    rank: String,
    unit: String,
    status: Option<String>,
    hire_date: String,
    national_id: Option<String>,
) -> Result<String, AppError> {
    crate::rpc::call(act::WriteOfficers, |cx| async move {
        let input = OfficerInput {
            badge_number,
            given_names,
            family_names,
            rank,
            unit,
            status: status.unwrap_or_default(),
            hire_date,
            national_id: national_id.unwrap_or_default(),
        };
        write::create_officer(&cx.state.db, &cx.permit, &cx.ip, &input).await?;
        Ok(input.badge_number.trim().to_string())
    })
    .await
}

/// Edits an officer's names, rank, unit, hire date and national ID (an
/// empty national ID leaves it as it is).
#[server(prefix = "/rpc", endpoint = "update_officer")]
pub async fn update_officer(
    badge_number: String,
    given_names: String,
    family_names: String,
    rank: String,
    unit: String,
    hire_date: String,
    national_id: Option<String>,
) -> Result<String, AppError> {
    crate::rpc::call(act::WriteOfficers, |cx| async move {
        let input = OfficerInput {
            badge_number,
            given_names,
            family_names,
            rank,
            unit,
            status: String::new(),
            hire_date,
            national_id: national_id.unwrap_or_default(),
        };
        write::update_officer(&cx.state.db, &cx.permit, &cx.ip, &input).await?;
        Ok(input.badge_number.trim().to_string())
    })
    .await
}

/// Assigns an officer to a vehicle for a shift.
#[server(prefix = "/rpc", endpoint = "add_assignment")]
pub async fn add_assignment(
    badge_number: String,
    vehicle: String,
    from: String,
    to: String,
    role: String,
) -> Result<(), AppError> {
    crate::rpc::call(act::WriteOfficers, |cx| async move {
        let input = AssignmentInput {
            badge_number,
            vehicle,
            from,
            to,
            role,
        };
        write::add_assignment(&cx.state.db, &cx.permit, &cx.ip, &input).await
    })
    .await
}

/// Hands an officer a badge chip.
#[server(prefix = "/rpc", endpoint = "assign_chip")]
pub async fn assign_chip(
    badge_number: String,
    chip_id: String,
    from: String,
) -> Result<(), AppError> {
    crate::rpc::call(act::WriteOfficers, |cx| async move {
        let input = ChipInput {
            badge_number,
            chip_id,
            from,
        };
        write::assign_chip(&cx.state.db, &cx.permit, &cx.ip, &input).await
    })
    .await
}

/// Records that an officer handed back the chip they wear.
#[server(prefix = "/rpc", endpoint = "return_chip")]
pub async fn return_chip(badge_number: String, at: String) -> Result<(), AppError> {
    crate::rpc::call(act::WriteOfficers, |cx| async move {
        write::return_chip(&cx.state.db, &cx.permit, &cx.ip, &badge_number, &at).await
    })
    .await
}

/// Records a confidence test.
#[server(prefix = "/rpc", endpoint = "record_confidence_test")]
pub async fn record_confidence_test(
    badge_number: String,
    kind: String,
    date: String,
    result: String,
    examiner: String,
    notes: Option<String>,
) -> Result<(), AppError> {
    crate::rpc::call(act::WriteConfidenceTests, |cx| async move {
        let input = TestInput {
            badge_number,
            kind,
            date,
            result,
            examiner,
            notes: notes.unwrap_or_default(),
        };
        write::record_test(&cx.state.db, &cx.permit, &cx.ip, &input).await
    })
    .await
}

/// An officer's confidence tests. Each reading is recorded in the audit
/// trail.
#[server(prefix = "/rpc", endpoint = "list_confidence_tests")]
pub async fn list_confidence_tests(badge_number: String) -> Result<Vec<TestRow>, AppError> {
    crate::rpc::call(act::ReadConfidenceTests, |cx| async move {
        write::read_tests(&cx.state.db, &cx.permit, &cx.ip, &badge_number).await
    })
    .await
}

/// The units tree with officer counts.
#[server(prefix = "/rpc", endpoint = "list_units")]
pub async fn list_units() -> Result<Vec<UnitNode>, AppError> {
    crate::rpc::call(act::ReadOfficers, |cx| async move {
        let officers = cx
            .state
            .caches
            .get::<std::sync::Arc<directory::Directory>>()?
            .snapshot(&cx.state.db)
            .await?;
        store::units(&cx.state.db, &cx.permit, &officers).await
    })
    .await
}
