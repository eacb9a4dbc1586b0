//! The case page's evidence and documents: what is linked (with who, when
//! and why), the forms that link footage and tests, and the upload of a
//! document (sent as a multipart form; without JavaScript the browser
//! posts the same form and comes back to the case).

use leptos::prelude::*;

use super::*;
#[cfg(not(feature = "hydrate"))]
use crate::error::AppError;
use crate::error::{ErrorMessage, Field};
use crate::i18n::*;
use crate::officers::forms::{last_error, FieldError, FormError};

fn kind_label(i18n: leptos_i18n::I18nContext<Locale>, kind: EvidenceKind) -> String {
    match kind {
        EvidenceKind::Footage => t_string!(i18n, evidence_kind_footage).to_string(),
        EvidenceKind::ConfidenceTest => t_string!(i18n, evidence_kind_test).to_string(),
        EvidenceKind::Document => t_string!(i18n, evidence_kind_document).to_string(),
        EvidenceKind::Track => t_string!(i18n, evidence_kind_track).to_string(),
    }
}

/// The evidence list, oldest link first.
#[component]
pub fn EvidenceList(evidence: Vec<EvidenceView>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <h2 id="evidence">{t!(i18n, case_evidence_title)}</h2>
        {if evidence.is_empty() {
            view! { <p class="muted" data-testid="evidence-empty">{t!(i18n, case_evidence_empty)}</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="evidence">
                    <thead><tr>
                        <th scope="col">{t!(i18n, evidence_kind)}</th>
                        <th scope="col">{t!(i18n, evidence_record)}</th>
                        <th scope="col">{t!(i18n, field_reason)}</th>
                        <th scope="col">{t!(i18n, evidence_linked)}</th>
                    </tr></thead>
                    <tbody>
                        {evidence.into_iter().map(|e| {
                            let kind = e.kind;
                            let label = e.label.clone();
                            let record = match e.href.clone() {
                                Some(href) => view! { <a href=href>{label}</a> }.into_any(),
                                None => view! { <span>{label}</span> }.into_any(),
                            };
                            let test = e.test.clone().map(|t| view! {
                                <br/><span>{move || t.kind.label(i18n.get_locale())} " · " {t.taken_on.clone()} " · "
                                <strong>{move || t.result.label(i18n.get_locale())}</strong></span>
                            });
                            let restricted = (kind == EvidenceKind::ConfidenceTest && e.test.is_none())
                                .then(|| view! { <br/><span class="muted">{t!(i18n, evidence_restricted)}</span> });
                            view! {
                                <tr data-evidence=e.id>
                                    <td class="nowrap">{move || kind_label(i18n, kind)}</td>
                                    <td>{record}{test}{restricted}
                                        {(!e.detail.is_empty()).then(|| view! { <br/><small class="muted detail">{e.detail.clone()}</small> })}
                                    </td>
                                    <td>{e.reason.clone()}</td>
                                    <td class="nowrap">{e.linked_by.clone()} <br/><small class="muted">{e.at.clone()}</small></td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}

/// The forms that link a footage segment and a confidence test.
#[component]
pub fn LinkForms(
    number: String,
    tests: Vec<TestChoice>,
    footage: ServerAction<LinkCaseFootage>,
    test: ServerAction<LinkCaseTest>,
) -> impl IntoView {
    let i18n = use_i18n();
    let footage_error = last_error(footage);
    let test_error = last_error(test);
    let n2 = number.clone();
    view! {
        <details class="case-link" data-testid="link-footage">
            <summary>{t!(i18n, case_link_footage_title)}</summary>
            <ActionForm action=footage attr:class="form" attr:data-testid="link-footage-form">
                <input type="hidden" name="number" value=number/>
                <label for="link-segment">{t!(i18n, field_segment)}</label>
                <input id="link-segment" name="segment" required autocomplete="off" placeholder="seg-…"/>
                <p class="hint">{t!(i18n, case_link_footage_hint)}</p>
                <FieldError error=footage_error field=Field::Segment/>
                <label for="link-from">{t!(i18n, field_from)}</label>
                <input id="link-from" name="from" type="datetime-local" step="1"/>
                <label for="link-to">{t!(i18n, field_to)}</label>
                <input id="link-to" name="to" type="datetime-local" step="1"/>
                <FieldError error=footage_error field=Field::From/>
                <FieldError error=footage_error field=Field::To/>
                <label for="link-footage-reason">{t!(i18n, evidence_why)}</label>
                <input id="link-footage-reason" name="reason" required maxlength="500"/>
                <FieldError error=footage_error field=Field::Reason/>
                <button type="submit" data-testid="link-footage-button">{t!(i18n, case_link_button)}</button>
                <FormError error=footage_error/>
            </ActionForm>
        </details>
        {(!tests.is_empty()).then(|| view! {
            <details class="case-link" data-testid="link-test">
                <summary>{t!(i18n, case_link_test_title)}</summary>
                <ActionForm action=test attr:class="form" attr:data-testid="link-test-form">
                    <input type="hidden" name="number" value=n2/>
                    <label for="link-test-id">{t!(i18n, field_test)}</label>
                    <select id="link-test-id" name="test">
                        {tests.into_iter().map(|t| view! {
                            <option value=t.id.to_string()>
                                {format!("{} · ", t.badge_number)}{move || t.kind.label(i18n.get_locale())}
                                {format!(" · {} · ", t.taken_on)}{move || t.result.label(i18n.get_locale())}
                            </option>
                        }).collect_view()}
                    </select>
                    <FieldError error=test_error field=Field::Test/>
                    <label for="link-test-reason">{t!(i18n, evidence_why)}</label>
                    <input id="link-test-reason" name="reason" required maxlength="500"/>
                    <FieldError error=test_error field=Field::Reason/>
                    <button type="submit" data-testid="link-test-button">{t!(i18n, case_link_button)}</button>
                    <FormError error=test_error/>
                </ActionForm>
            </details>
        })}
    }
}

/// What the upload sends: the browser's form data (nothing on the server,
/// where the page only renders).
#[cfg(feature = "hydrate")]
type Upload = web_sys::FormData;
#[cfg(not(feature = "hydrate"))]
type Upload = ();

/// The case's documents, and (for those who may) the upload.
#[component]
pub fn Documents(
    number: String,
    documents: Vec<DocumentView>,
    may_add: bool,
    max_bytes: u64,
    max: String,
    saved: RwSignal<u32>,
) -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "hydrate")]
    let action = Action::new_local(|upload: &Upload| upload_case_document(upload.clone().into()));
    #[cfg(not(feature = "hydrate"))]
    let action = Action::new_local(|_: &Upload| async { Err::<i64, AppError>(AppError::Internal) });
    let pending = action.pending();
    let local_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            saved.update(|n| *n += 1);
            crate::officers::forms::reset_forms();
        }
    });
    let n = number.clone();
    let max_hint = max.clone();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            local_error.set(None);
            let doc = leptos::prelude::document();
            let Some(input) = doc
                .get_element_by_id("document-file")
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let reason = doc
                .get_element_by_id("document-reason")
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
                .map(|e| e.value())
                .unwrap_or_default();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                local_error.set(Some(t_string!(i18n, import_choose_file).to_string()));
                return;
            };
            if file.size() > max_bytes as f64 {
                let max = max.clone();
                local_error.set(Some(
                    crate::error::Problem::FileTooLarge { max }.message(i18n.get_locale()),
                ));
                return;
            }
            let Ok(form) = web_sys::FormData::new() else {
                return;
            };
            // The case and the reason first: the server checks the case
            // before it reads the file.
            if form.append_with_str("number", &n).is_err()
                || form.append_with_str("reason", &reason).is_err()
                || form
                    .append_with_blob_and_filename("file", &file, &file.name())
                    .is_err()
            {
                local_error.set(Some(t_string!(i18n, import_unreadable).to_string()));
                return;
            }
            action.dispatch_local(form);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (&n, max_bytes, &max, local_error);
    };
    view! {
        <h2 id="documents">{t!(i18n, case_documents_title)}</h2>
        {if documents.is_empty() {
            view! { <p class="muted" data-testid="documents-empty">{t!(i18n, case_documents_empty)}</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="documents">
                    <thead><tr>
                        <th scope="col">{t!(i18n, document_name)}</th>
                        <th scope="col">{t!(i18n, document_size)}</th>
                        <th scope="col">"SHA-256"</th>
                        <th scope="col">{t!(i18n, field_reason)}</th>
                        <th scope="col">{t!(i18n, document_uploaded)}</th>
                    </tr></thead>
                    <tbody>
                        {documents.into_iter().map(|d| view! {
                            <tr data-document=d.id>
                                <td><a href=d.href.clone() download=d.file_name.clone() data-testid="document-link">{d.file_name.clone()}</a>
                                    <br/><small class="muted">{d.content_type.clone()}</small></td>
                                <td class="nowrap">{d.size.clone()}</td>
                                <td><code class="sha">{d.sha256.clone()}</code></td>
                                <td>{d.reason.clone()}</td>
                                <td class="nowrap">{d.uploaded_by.clone()}<br/><small class="muted">{d.at.clone()}</small></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        {may_add.then(|| view! {
            <form class="form" method="post" action="/rpc/upload_case_document" enctype="multipart/form-data"
                on:submit=on_submit data-testid="document-form">
                <input type="hidden" name="number" value=number.clone()/>
                <label for="document-reason">{t!(i18n, evidence_why)}</label>
                <input id="document-reason" name="reason" required maxlength="500"/>
                <label for="document-file">{t!(i18n, case_document_file)}</label>
                <input id="document-file" name="file" type="file" required
                    accept=".pdf,.png,.jpg,.jpeg,.gif,.webp,.tif,.tiff,.docx,.xlsx,.pptx,.odt,.ods,.odp,.doc,.xls,.ppt"/>
                <p class="hint">{t!(i18n, case_document_hint, max = move || max_hint.clone())}</p>
                <button type="submit" disabled=move || pending.get() data-testid="document-upload">{t!(i18n, case_document_button)}</button>
                {move || pending.get().then(|| view! { <p role="status" data-testid="document-progress"><progress></progress></p> })}
                {move || local_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
                {move || match action.value().get() {
                    Some(Err(e)) => Some(view! { <ErrorMessage error=e/> }),
                    _ => None,
                }}
            </form>
        })}
    }
}
