//! The forms that change officer records: new and edited officers, vehicle
//! assignments, badge chips and confidence tests. The server checks every
//! field; its refusal is shown beside the field it names.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::*;
use crate::error::{AppError, ErrorMessage, Field};
use crate::i18n::*;

/// The reason the server gave for refusing `field`, shown beside it.
#[component]
pub fn FieldError(#[prop(into)] error: Signal<Option<AppError>>, field: Field) -> impl IntoView {
    let i18n = use_i18n();
    move || match error.get() {
        Some(AppError::Validation { field: f, problem }) if f == field => Some(view! {
            <p class="field-error" role="alert" data-field=field.as_str()>{problem.message(i18n.get_locale())}</p>
        }),
        _ => None,
    }
}

/// Any other refusal (not allowed, not found, unavailable), shown once
/// under the form.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || match error.get() {
        Some(AppError::Validation { .. }) | None => None,
        Some(e) => Some(view! { <ErrorMessage error=e/> }),
    }
}

/// The error of an action's last answer, if it was refused.
pub fn last_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// Counts the action's successful answers in `saved` (what a page reloads
/// its data on).
pub fn count_successes<S>(action: ServerAction<S>, saved: RwSignal<u32>)
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            saved.update(|n| *n += 1);
            reset_forms();
        }
    });
}

/// Empties the page's forms after a change is saved, so that what was
/// typed is not left behind to be sent twice (hidden fields keep their
/// values: a reset puts back what the page rendered).
pub fn reset_forms() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Ok(forms) = leptos::prelude::document().query_selector_all("main form") {
            for i in 0..forms.length() {
                if let Some(form) = forms
                    .get(i)
                    .and_then(|n| n.dyn_into::<web_sys::HtmlFormElement>().ok())
                {
                    form.reset();
                }
            }
        }
    }
}

/// Adds a vehicle assignment (a shift) to the officer's file.
#[component]
pub fn AssignmentForm(badge: String, action: ServerAction<AddAssignment>) -> impl IntoView {
    let i18n = use_i18n();
    let error = last_error(action);
    view! {
        <details class="write" open=move || error.get().is_some()>
            <summary>{t!(i18n, assignment_add_title)}</summary>
            <ActionForm action=action attr:class="form" attr:data-testid="assignment-form">
                <input type="hidden" name="badge_number" value=badge/>
                <label for="assignment-vehicle">{t!(i18n, assignment_vehicle)}</label>
                <input id="assignment-vehicle" name="vehicle" placeholder="PNC-0451" required/>
                <FieldError error field=Field::Vehicle/>
                <label for="assignment-from">{t!(i18n, assignment_from)}</label>
                <input id="assignment-from" name="from" type="datetime-local" required/>
                <FieldError error field=Field::From/>
                <label for="assignment-to">{t!(i18n, assignment_to)}</label>
                <input id="assignment-to" name="to" type="datetime-local" required/>
                <FieldError error field=Field::To/>
                <label for="assignment-role">{t!(i18n, assignment_role)}</label>
                <select id="assignment-role" name="role">
                    {AssignmentRole::ALL.iter().copied().map(|r| view! {
                        <option value=r.as_str()>{move || r.label(i18n.get_locale())}</option>
                    }).collect_view()}
                </select>
                <FieldError error field=Field::Role/>
                <FieldError error field=Field::BadgeNumber/>
                <p class="hint">{t!(i18n, times_hint)}</p>
                <button type="submit" class="primary">{t!(i18n, assignment_add_button)}</button>
                <FormError error/>
            </ActionForm>
        </details>
    }
}

/// Hands the officer a badge chip, or records that they handed theirs back.
#[component]
pub fn ChipForms(
    badge: String,
    assign: ServerAction<AssignChip>,
    give_back: ServerAction<ReturnChip>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = last_error(assign);
    let back_error = last_error(give_back);
    let badge2 = badge.clone();
    view! {
        <details class="write" open=move || error.get().is_some() || back_error.get().is_some()>
            <summary>{t!(i18n, chip_assign_title)}</summary>
            <ActionForm action=assign attr:class="form" attr:data-testid="chip-form">
                <input type="hidden" name="badge_number" value=badge/>
                <label for="chip-id">{t!(i18n, chip_id_label)}</label>
                <input id="chip-id" name="chip_id" placeholder="CHIP-0000123" required/>
                <FieldError error field=Field::ChipId/>
                <label for="chip-from">{t!(i18n, chip_from_label)}</label>
                <input id="chip-from" name="from" type="datetime-local" required/>
                <FieldError error field=Field::From/>
                <p class="hint">{t!(i18n, chip_assign_hint)}</p>
                <button type="submit" class="primary">{t!(i18n, chip_assign_button)}</button>
                <FormError error/>
            </ActionForm>
            {view! {
                <ActionForm action=give_back attr:class="form" attr:data-testid="chip-return-form">
                    <input type="hidden" name="badge_number" value=badge2/>
                    <label for="chip-return-at">{t!(i18n, chip_return_at)}</label>
                    <input id="chip-return-at" name="at" type="datetime-local" required/>
                    <FieldError error=back_error field=Field::At/>
                    <FieldError error=back_error field=Field::ChipId/>
                    <button type="submit">{t!(i18n, chip_return_button)}</button>
                    <FormError error=back_error/>
                </ActionForm>
            }}
        </details>
    }
}

/// Records a confidence test.
#[component]
pub fn TestForm(badge: String, action: ServerAction<RecordConfidenceTest>) -> impl IntoView {
    let i18n = use_i18n();
    let error = last_error(action);
    view! {
        <details class="write" open=move || error.get().is_some()>
            <summary>{t!(i18n, test_record_title)}</summary>
            <ActionForm action=action attr:class="form" attr:data-testid="test-form">
                <input type="hidden" name="badge_number" value=badge/>
                <label for="test-kind">{t!(i18n, test_kind)}</label>
                <select id="test-kind" name="kind">
                    {TestKind::ALL.iter().copied().map(|k| view! {
                        <option value=k.as_str()>{move || k.label(i18n.get_locale())}</option>
                    }).collect_view()}
                </select>
                <FieldError error field=Field::Kind/>
                <label for="test-date">{t!(i18n, test_date)}</label>
                <input id="test-date" name="date" type="date" required/>
                <FieldError error field=Field::Date/>
                <label for="test-result">{t!(i18n, test_result)}</label>
                <select id="test-result" name="result">
                    {TestResult::ALL.iter().copied().map(|r| view! {
                        <option value=r.as_str()>{move || r.label(i18n.get_locale())}</option>
                    }).collect_view()}
                </select>
                <FieldError error field=Field::Result/>
                <label for="test-examiner">{t!(i18n, test_examiner)}</label>
                <input id="test-examiner" name="examiner" required/>
                <FieldError error field=Field::Examiner/>
                <label for="test-notes">{t!(i18n, test_notes)}</label>
                <textarea id="test-notes" name="notes" rows="3"></textarea>
                <FieldError error field=Field::Notes/>
                <button type="submit" class="primary">{t!(i18n, test_record_button)}</button>
                <FormError error/>
            </ActionForm>
        </details>
    }
}

/// The officer's confidence tests, read again after each one recorded, and
/// only for a reader the policy lets read them (the read is audited): for any
/// other reader it holds `None` and the server is not asked.
pub fn officer_tests(
    badge: Signal<String>,
    access: Resource<Result<FileAccess, AppError>>,
    saved: RwSignal<u32>,
) -> Resource<Result<Option<Vec<TestRow>>, AppError>> {
    Resource::new(
        move || (badge.get(), saved.get()),
        move |(badge, _)| async move {
            match access.await {
                Ok(p) if p.read_tests => list_confidence_tests(badge).await.map(Some),
                // The file itself says why it cannot be shown.
                _ => Ok(None),
            }
        },
    )
}

/// The confidence tests on the officer's file, for a reader who may read
/// them, and the form that records one, for a reader who may write them.
///
/// The list and the action are made by the page, and this part is drawn
/// whatever the reader may do (it draws nothing for a reader who may not
/// read tests): a resource or a `Transition` made inside a part that waits
/// for data is numbered in the order the parts resolve, which differs
/// between the server and the browser, and the page would fail to hydrate.
#[component]
pub fn TestsSection(
    badge: Signal<String>,
    access: Resource<Result<FileAccess, AppError>>,
    tests: Resource<Result<Option<Vec<TestRow>>, AppError>>,
    record: ServerAction<RecordConfidenceTest>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let may_write = access.await.is_ok_and(|p| p.write_tests);
                let badge_for_links = StoredValue::new(badge.get_untracked());
                let list = match tests.await {
                    Ok(None) => return None,
                    Ok(Some(rows)) if rows.is_empty() => view! { <p class="muted">{t!(i18n, tests_empty)}</p> }.into_any(),
                    Ok(Some(rows)) => view! {
                        <table class="table" data-testid="tests">
                            <thead><tr>
                                <th scope="col">{t!(i18n, test_date)}</th>
                                <th scope="col">{t!(i18n, test_kind)}</th>
                                <th scope="col">{t!(i18n, test_result)}</th>
                                <th scope="col">{t!(i18n, test_examiner)}</th>
                                <th scope="col">{t!(i18n, test_notes)}</th>
                            </tr></thead>
                            <tbody>
                                {rows.into_iter().map(|r| {
                                    let (kind, result) = (r.kind, r.result);
                                    // A failed test is one click from a new case.
                                    let open_case = (may_write && result == TestResult::Fail).then(|| {
                                        let title = format!(
                                            "{}: {} {}",
                                            t_string!(i18n, case_from_failed_test),
                                            kind.label(i18n.get_locale()),
                                            r.date
                                        );
                                        let accused = badge_for_links.get_value();
                                        let why = t_string!(i18n, case_evidence_from_test).to_string();
                                        crate::cases::intake::intake_href(&[
                                            ("accused", accused.as_str()),
                                            ("origin", "confidence_test"),
                                            ("title", title.as_str()),
                                            ("test", r.id.to_string().as_str()),
                                            ("evidence_reason", why.as_str()),
                                        ])
                                    });
                                    view! {
                                        <tr data-kind=kind.as_str() data-result=result.as_str()>
                                            <td class="nowrap">{r.date.clone()}</td>
                                            <td>{move || kind.label(i18n.get_locale())}</td>
                                            <td><span class=format!("result result-{result}")>{move || result.label(i18n.get_locale())}</span>
                                                {open_case.map(|href| view! { " " <a href=href data-testid="case-from-test">{t!(i18n, case_open_from_test)}</a> })}</td>
                                            <td>{r.examiner.clone()}</td>
                                            <td>{r.notes.clone()}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                };
                Some(view! {
                    <h2 id="tests">{t!(i18n, tests_title)}</h2>
                    <p class="hint">{t!(i18n, tests_audited_hint)}</p>
                    {list}
                })
            })}
        </Transition>
        // Apart from the list, so that reading the list again after a test is
        // recorded does not draw the form again.
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                access.await.is_ok_and(|p| p.write_tests)
                    .then(|| view! { <TestForm badge=badge.get_untracked() action=record/> })
            })}
        </Transition>
    }
}

/// The fields of an officer, empty for a new one or filled for an edit.
#[component]
fn OfficerFields(
    current: Option<OfficerProfile>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let editing = current.is_some();
    let c = current.unwrap_or_default();
    let rank_now = c.rank;
    let id_hint = c.national_id.clone();
    view! {
        <label for="officer-badge">{t!(i18n, officers_badge)}</label>
        {if editing {
            view! {
                <input id="officer-badge" value=c.badge_number.clone() disabled/>
                <input type="hidden" name="badge_number" value=c.badge_number.clone()/>
                <p class="hint">{t!(i18n, badge_stable_hint)}</p>
            }.into_any()
        } else {
            view! { <input id="officer-badge" name="badge_number" inputmode="numeric" required/> }.into_any()
        }}
        <FieldError error field=Field::BadgeNumber/>
        <label for="officer-given">{t!(i18n, officer_given_names)}</label>
        <input id="officer-given" name="given_names" value=c.given_names.clone() required/>
        <FieldError error field=Field::GivenNames/>
        <label for="officer-family">{t!(i18n, officer_family_names)}</label>
        <input id="officer-family" name="family_names" value=c.family_names.clone() required/>
        <FieldError error field=Field::FamilyNames/>
        <label for="officer-rank">{t!(i18n, officers_rank)}</label>
        <select id="officer-rank" name="rank">
            {Rank::ALL.iter().copied().map(|r| {
                let selected = r == rank_now;
                view! { <option value=r.as_str() selected=selected>{move || r.label(i18n.get_locale())}</option> }
            }).collect_view()}
        </select>
        <FieldError error field=Field::Rank/>
        <label for="officer-unit">{t!(i18n, officers_unit)}</label>
        <input id="officer-unit" name="unit" value=c.unit_code.clone() placeholder="13-02" required/>
        <p class="hint">{t!(i18n, unit_code_hint)}</p>
        <FieldError error field=Field::Unit/>
        {(!editing).then(|| view! {
            <label for="officer-status">{t!(i18n, officers_status)}</label>
            <select id="officer-status" name="status">
                {OfficerStatus::ALL.iter().copied().filter(|s| !s.by_decision()).map(|s| view! {
                    <option value=s.as_str() selected=s == OfficerStatus::Active>{move || s.label(i18n.get_locale())}</option>
                }).collect_view()}
            </select>
            <FieldError error field=Field::Status/>
        })}
        <label for="officer-hired">{t!(i18n, officers_hired)}</label>
        <input id="officer-hired" name="hire_date" type="date" value=c.hire_date.clone() required/>
        <FieldError error field=Field::HireDate/>
        <label for="officer-national-id">{t!(i18n, officers_national_id)}</label>
        <input id="officer-national-id" name="national_id" inputmode="numeric" placeholder="2456 78901 1301"/>
        {editing.then(|| view! {
            <p class="hint">{t!(i18n, national_id_keep_hint)} " " {id_hint.unwrap_or_default()}</p>
        })}
        <FieldError error field=Field::NationalId/>
    }
}

/// `/officers/new`: add an officer.
#[component]
pub fn NewOfficerPage() -> impl IntoView {
    let i18n = use_i18n();
    let create = ServerAction::<CreateOfficer>::new();
    let error = last_error(create);
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(badge)) = create.value().get() {
            navigate(&format!("/officers/{badge}"), Default::default());
        }
    });
    view! {
        <section class="page" aria-labelledby="new-officer-title">
            <p><a href="/officers">{t!(i18n, back_to_officers)}</a></p>
            <h1 id="new-officer-title">{t!(i18n, officer_new_title)}</h1>
            <ActionForm action=create attr:class="form" attr:data-testid="officer-form">
                <OfficerFields current=None error/>
                <button type="submit" class="primary">{t!(i18n, officer_create_button)}</button>
                <FormError error/>
            </ActionForm>
        </section>
    }
}

/// `/officers/:badge/edit`: change an officer's particulars.
#[component]
pub fn EditOfficerPage() -> impl IntoView {
    use leptos_router::hooks::use_params_map;

    let i18n = use_i18n();
    let params = use_params_map();
    let save = ServerAction::<UpdateOfficer>::new();
    let error = last_error(save);
    let officer = Resource::new(
        move || params.with(|p| p.get("badge").unwrap_or_default()),
        get_officer,
    );
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(badge)) = save.value().get() {
            navigate(&format!("/officers/{badge}"), Default::default());
        }
    });
    view! {
        <section class="page">
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match officer.await {
                        Ok(o) if o.may_write => {
                            let back = format!("/officers/{}", o.badge_number);
                            view! {
                                <p><a href=back>{t!(i18n, back_to_officer)}</a></p>
                                <h1>{t!(i18n, officer_edit_title)} " " {format!("{} {}", o.given_names, o.family_names)}</h1>
                                <ActionForm action=save attr:class="form" attr:data-testid="officer-form">
                                    <OfficerFields current=Some(o) error/>
                                    <button type="submit" class="primary">{t!(i18n, officer_save_button)}</button>
                                    <FormError error/>
                                </ActionForm>
                            }.into_any()
                        }
                        Ok(_) => view! { <p class="error" role="alert">{t!(i18n, not_allowed)}</p> }.into_any(),
                        Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
