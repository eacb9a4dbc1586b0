//! The case's timeline: every change to the case, read from the audit
//! trail, each action and each field of its details named in the reader's
//! language, with the stored codes kept beside them (in `data-` attributes
//! and a muted code) so the timeline can be checked against the trail.

use leptos::prelude::*;

use super::{TimelineDetail, TimelineEntry};
use crate::codes::{AllegationKind, CaseOrigin, CaseStatus, Finding, Outcome, SubjectRole};
use crate::i18n::*;

/// Every change to the case, from the audit trail.
#[component]
pub(super) fn Timeline(entries: Vec<TimelineEntry>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h2>{t!(i18n, case_timeline_title)}</h2>
        <table class="table" data-testid="timeline">
            <thead><tr>
                <th scope="col">{t!(i18n, audit_time)}</th>
                <th scope="col">{t!(i18n, audit_actor)}</th>
                <th scope="col">{t!(i18n, audit_action)}</th>
                <th scope="col">{t!(i18n, audit_details)}</th>
            </tr></thead>
            <tbody>
                {entries.into_iter().map(|e| {
                    let code = e.action.clone();
                    let details = e.details.into_iter().map(|d| {
                        let action = e.action.clone();
                        let TimelineDetail { key, value } = d;
                        let (k, k2, v) = (key.clone(), key.clone(), value.clone());
                        let action2 = action.clone();
                        view! {
                            <span class="detail" data-key=key.clone() data-value=value>
                                {(!key.is_empty()).then(|| view! {
                                    <span class="muted">{move || detail_name(i18n, &action, &k)} ": "</span>
                                })}
                                {move || detail_value(i18n, &action2, &k2, &v)}
                            </span>
                        }
                    }).collect_view();
                    view! {
                        <tr data-seq=e.seq data-action=e.action.clone()>
                            <td class="nowrap">{e.at}</td>
                            <td>{e.actor}</td>
                            <td>{move || action_name(i18n, &code)} " " <code class="muted">{e.action.clone()}</code></td>
                            <td class="details">{details}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// What a timeline entry's action means, in the reader's language (the
/// stored code is shown beside it, as the audit trail has it).
fn action_name(i18n: leptos_i18n::I18nContext<Locale>, action: &str) -> &'static str {
    match action {
        "case.created" => t_string!(i18n, timeline_created),
        "case.assigned" => t_string!(i18n, timeline_assigned),
        "case.moved" => t_string!(i18n, timeline_moved),
        "case.sealed" => t_string!(i18n, timeline_sealed),
        "case.unsealed" => t_string!(i18n, timeline_unsealed),
        "case.subject_added" => t_string!(i18n, timeline_subject_added),
        "case.allegation_added" => t_string!(i18n, timeline_allegation_added),
        "case.finding_recorded" => t_string!(i18n, timeline_finding_recorded),
        "case.note_added" => t_string!(i18n, timeline_note_added),
        "case.decision_recorded" => t_string!(i18n, timeline_decision_recorded),
        "case.clock_paused" => t_string!(i18n, timeline_clock_paused),
        "case.clock_resumed" => t_string!(i18n, timeline_clock_resumed),
        "case.evidence_linked" => t_string!(i18n, timeline_evidence_linked),
        "case.document_added" => t_string!(i18n, timeline_document_added),
        "case.document_integrity_failed" => t_string!(i18n, timeline_document_integrity_failed),
        _ => "",
    }
}

/// A detail field's name, in the reader's language; a field this version
/// does not know is shown by its stored name.
fn detail_name(i18n: leptos_i18n::I18nContext<Locale>, action: &str, key: &str) -> String {
    let name = match (action, key) {
        ("case.assigned", "to") => t_string!(i18n, detail_assigned_to),
        (_, "assigned_to") => t_string!(i18n, detail_assigned_to),
        (_, "title") => t_string!(i18n, field_title),
        (_, "origin") => t_string!(i18n, field_origin),
        (_, "intake_on") => t_string!(i18n, field_intake_on),
        (_, "unit") => t_string!(i18n, field_unit),
        (_, "complainant") => t_string!(i18n, field_complainant),
        (_, "due_on") => t_string!(i18n, detail_due_on),
        (_, "badge_number") => t_string!(i18n, field_officer),
        (_, "role") => t_string!(i18n, field_role),
        ("case.allegation_added" | "case.finding_recorded", "kind") => {
            t_string!(i18n, field_allegation)
        }
        (_, "kind") => t_string!(i18n, field_kind),
        ("case.finding_recorded", "from") => t_string!(i18n, detail_finding_before),
        ("case.finding_recorded", "to") => t_string!(i18n, field_finding),
        (_, "from") => t_string!(i18n, field_from),
        (_, "to") => t_string!(i18n, field_to),
        (_, "reason") => t_string!(i18n, field_reason),
        (_, "note") => t_string!(i18n, detail_note),
        (_, "corrects") => t_string!(i18n, field_corrects),
        (_, "chars") => t_string!(i18n, detail_chars),
        (_, "paused_days") => t_string!(i18n, detail_paused_days),
        (_, "outcome") => t_string!(i18n, field_outcome),
        (_, "days") => t_string!(i18n, field_days),
        (_, "decided_on") => t_string!(i18n, field_decided_on),
        (_, "replaces") => t_string!(i18n, detail_replaces),
        (_, "evidence") => t_string!(i18n, detail_evidence),
        (_, "segment") => t_string!(i18n, field_segment),
        (_, "test") => t_string!(i18n, field_test),
        (_, "document") => t_string!(i18n, evidence_kind_document),
        (_, "file_name") => t_string!(i18n, detail_file_name),
        (_, "type") => t_string!(i18n, detail_type),
        (_, "bytes") => t_string!(i18n, detail_bytes),
        (_, "sha256") => "SHA-256",
        (_, "pings") => t_string!(i18n, detail_pings),
        (_, "stored_before") => t_string!(i18n, detail_stored_before),
        (_, "found") => t_string!(i18n, detail_found),
        _ => return key.to_string(),
    };
    name.to_string()
}

/// A detail field's value: a stored code (a stage, a finding, a role…) by
/// its name in the reader's language; anything else as stored.
fn detail_value(
    i18n: leptos_i18n::I18nContext<Locale>,
    action: &str,
    key: &str,
    value: &str,
) -> String {
    let locale = i18n.get_locale();
    let named = match (action, key) {
        ("case.moved", "from" | "to") => CaseStatus::parse(value).map(|c| c.label(locale)),
        ("case.finding_recorded", "from" | "to") => Finding::parse(value).map(|c| c.label(locale)),
        ("case.allegation_added" | "case.finding_recorded", "kind") => {
            AllegationKind::parse(value).map(|c| c.label(locale))
        }
        ("case.evidence_linked", "kind") => match value {
            "footage" => Some(t_string!(i18n, evidence_kind_footage)),
            "confidence_test" => Some(t_string!(i18n, evidence_kind_test)),
            "document" => Some(t_string!(i18n, evidence_kind_document)),
            "track" => Some(t_string!(i18n, evidence_kind_track)),
            _ => None,
        },
        (_, "origin") => CaseOrigin::parse(value).map(|c| c.label(locale)),
        (_, "role") => SubjectRole::parse(value).map(|c| c.label(locale)),
        (_, "outcome") => Outcome::parse(value).map(|c| c.label(locale)),
        (_, "complainant") => match value {
            "none" => Some(t_string!(i18n, complainant_none)),
            "anonymous" => Some(t_string!(i18n, complainant_anonymous)),
            "named" => Some(t_string!(i18n, complainant_named)),
            _ => None,
        },
        (_, "found") if value == "missing" => Some(t_string!(i18n, detail_found_missing)),
        (_, "note" | "corrects" | "replaces" | "evidence" | "document" | "test") => {
            return format!("#{value}");
        }
        (_, _) => match value {
            "true" => Some(t_string!(i18n, detail_yes)),
            "false" => Some(t_string!(i18n, detail_no)),
            _ => None,
        },
    };
    named.map_or_else(|| value.to_string(), str::to_string)
}
