//! `/cases/new`: the intake form. It may start filled in from where it was
//! opened: an officer's file (`?accused=10417`), a failed confidence test
//! (`?accused=…&origin=confidence_test&title=…&test=…`) or a footage
//! segment (`?origin=camera_review&title=…&summary=…&segment=…`); a test or
//! segment it starts from is linked as the case's first evidence, with the
//! sentence of why (`evidence_reason`), in the same transaction.

use leptos::prelude::*;

use super::*;
use crate::error::Field;
use crate::i18n::*;
use crate::officers::forms::{last_error, FieldError, FormError};

/// The intake form's address, started with `fields` (percent-encoded).
pub fn intake_href(fields: &[(&str, &str)]) -> String {
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let query = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    format!("/cases/new?{query}")
}

#[component]
pub fn NewCasePage() -> impl IntoView {
    use leptos_router::hooks::use_query_map;

    let i18n = use_i18n();
    let query = use_query_map();
    let given = move |k: &str| query.with_untracked(|q| q.get(k)).unwrap_or_default();
    let create = ServerAction::<CreateCase>::new();
    let error = last_error(create);
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(number)) = create.value().get() {
            navigate(&format!("/cases/{number}"), Default::default());
        }
    });
    let origin = given("origin");
    let accused = given("accused");
    let test = given("test");
    let segment = given("segment");
    // The test the case starts from, named as the officer's file names it
    // (an audited read, for a reader who may read tests; anyone else sees
    // its number). Made here, before any part waits, so the page hydrates.
    let started_from = {
        let (badge, id) = (accused.clone(), test.parse::<i64>().ok());
        Resource::new(
            || (),
            move |_| {
                let badge = badge.clone();
                async move {
                    match id {
                        Some(id) if !badge.is_empty() => {
                            crate::officers::list_confidence_tests(badge)
                                .await
                                .ok()
                                .and_then(|rows| rows.into_iter().find(|r| r.id == id))
                        }
                        _ => None,
                    }
                }
            },
        )
    };
    view! {
        <section class="page" aria-labelledby="new-case-title">
            <p><a href="/cases">{t!(i18n, back_to_cases)}</a></p>
            <h1 id="new-case-title">{t!(i18n, case_new_title)}</h1>
            <ActionForm action=create attr:class="form" attr:data-testid="case-form">
                <label for="case-title">{t!(i18n, field_title)}</label>
                <input id="case-title" name="title" value=given("title") required maxlength="200"/>
                <FieldError error field=Field::Title/>
                <label for="case-summary">{t!(i18n, field_summary)}</label>
                <textarea id="case-summary" name="summary" rows="5" required>{given("summary")}</textarea>
                <FieldError error field=Field::Summary/>
                <label for="case-origin">{t!(i18n, field_origin)}</label>
                <select id="case-origin" name="origin">
                    {CaseOrigin::ALL.iter().copied().map(|o| {
                        let selected = o.as_str() == origin;
                        view! { <option value=o.as_str() selected=selected>{move || o.label(i18n.get_locale())}</option> }
                    }).collect_view()}
                </select>
                <FieldError error field=Field::Origin/>
                <label for="case-accused">{t!(i18n, case_accused_badge)}</label>
                <input id="case-accused" name="accused" inputmode="numeric" value=accused/>
                <p class="hint">{t!(i18n, case_accused_hint)}</p>
                <FieldError error field=Field::BadgeNumber/>
                {(!test.is_empty() || !segment.is_empty()).then(|| view! {
                    <fieldset data-testid="intake-evidence">
                        <legend>{t!(i18n, case_intake_evidence)}</legend>
                        <p>{if test.is_empty() {
                            view! { {t!(i18n, evidence_kind_footage)} " " <code>{segment.clone()}</code> }.into_any()
                        } else {
                            let id = test.clone();
                            view! {
                                {t!(i18n, evidence_kind_test)} ": "
                                <Transition fallback=|| ()>
                                    {move || {
                                        let id = id.clone();
                                        Suspend::new(async move {
                                            match started_from.await {
                                                Some(r) => {
                                                    let (kind, result) = (r.kind, r.result);
                                                    view! {
                                                        <span data-testid="intake-test">
                                                            {move || kind.label(i18n.get_locale())} ", " {r.date.clone()} ", "
                                                            <span class=format!("result result-{result}")>{move || result.label(i18n.get_locale())}</span>
                                                            " (#" {r.id} ")"
                                                        </span>
                                                    }.into_any()
                                                }
                                                None => view! { <span data-testid="intake-test">"#" {id}</span> }.into_any(),
                                            }
                                        })
                                    }}
                                </Transition>
                            }.into_any()
                        }}</p>
                        <input type="hidden" name="test" value=test.clone()/>
                        <input type="hidden" name="segment" value=segment.clone()/>
                        <label for="case-evidence-reason">{t!(i18n, evidence_why)}</label>
                        <input id="case-evidence-reason" name="evidence_reason" required maxlength="500" value=given("evidence_reason")/>
                        <FieldError error field=Field::Reason/>
                        <FieldError error field=Field::Test/>
                        <FieldError error field=Field::Segment/>
                    </fieldset>
                })}
                <label for="case-intake">{t!(i18n, field_intake_on)}</label>
                <input id="case-intake" name="intake_on" type="date"/>
                <p class="hint">{t!(i18n, case_intake_hint)}</p>
                <FieldError error field=Field::IntakeOn/>
                <label for="case-incident">{t!(i18n, field_incident_at)}</label>
                <input id="case-incident" name="incident_at" type="datetime-local" value=given("incident_at")/>
                <FieldError error field=Field::IncidentAt/>
                <label for="case-unit">{t!(i18n, officers_unit)}</label>
                <input id="case-unit" name="unit" placeholder="13-02" size="6" value=given("unit")/>
                <FieldError error field=Field::Unit/>
                <label for="case-place">{t!(i18n, field_place)}</label>
                <input id="case-place" name="place" maxlength="300"/>
                <FieldError error field=Field::Place/>
                <fieldset>
                    <legend>{t!(i18n, field_complainant)}</legend>
                    <div class="choices">
                        <label class="check"><input type="radio" name="complainant" value="none" checked/>{t!(i18n, complainant_none)}</label>
                        <label class="check"><input type="radio" name="complainant" value="anonymous"/>{t!(i18n, complainant_anonymous)}</label>
                        <label class="check"><input type="radio" name="complainant" value="named"/>{t!(i18n, complainant_named)}</label>
                    </div>
                    <FieldError error field=Field::Complainant/>
                    <label for="complainant-name">{t!(i18n, field_complainant_name)}</label>
                    <input id="complainant-name" name="complainant_name" autocomplete="off"/>
                    <FieldError error field=Field::ComplainantName/>
                    <label for="complainant-contact">{t!(i18n, field_complainant_contact)}</label>
                    <input id="complainant-contact" name="complainant_contact" autocomplete="off"/>
                    <FieldError error field=Field::ComplainantContact/>
                    <p class="hint">{t!(i18n, complainant_hint)}</p>
                </fieldset>
                <button type="submit" class="primary">{t!(i18n, case_create_button)}</button>
                <FormError error/>
            </ActionForm>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_intake_address_carries_its_fields_encoded() {
        assert_eq!(
            super::intake_href(&[("accused", "10417"), ("title", "Polígrafo: no superado")]),
            "/cases/new?accused=10417&title=Pol%C3%ADgrafo%3A%20no%20superado"
        );
    }
}
