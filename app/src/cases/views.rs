//! The cases' pages: the list (`/cases`), the ministry's queue
//! (`/ministry`), one case (`/cases/{number}`) with the actions its reader
//! may take now, and the cases in an officer's file.

use leptos::prelude::*;

use super::*;
use crate::error::{AppError, ErrorMessage, Field};
use crate::i18n::*;
use crate::officers::forms::{count_successes, last_error, FieldError, FormError};

/// `/cases`: search, filters, pages; `/cases.csv` exports the same list.
#[component]
pub fn CasesPage() -> impl IntoView {
    view! { <CaseList base="/cases" queue=false/> }
}

/// `/ministry`: the cases awaiting the ministry's decision, the longest
/// waiting first.
#[component]
pub fn MinistryQueuePage() -> impl IntoView {
    view! { <CaseList base="/ministry" queue=true/> }
}

#[component]
fn CaseList(base: &'static str, queue: bool) -> impl IntoView {
    use leptos_router::components::Form;
    use leptos_router::hooks::use_query_map;

    let i18n = use_i18n();
    let query = use_query_map();
    let param = move |k: &str| query.with(|q| q.get(k)).unwrap_or_default();
    let cases = Resource::new(
        move || query.get(),
        move |q| {
            let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
            let (status, sort) = if queue {
                (
                    Some("ministry_review".to_string()),
                    Some("waiting".to_string()),
                )
            } else {
                (get("status"), get("sort"))
            };
            list_cases(
                get("q"),
                status,
                get("origin"),
                get("allegation"),
                get("region"),
                get("assigned"),
                get("overdue"),
                get("sealed"),
                sort,
                get("page").and_then(|p| p.parse().ok()),
            )
        },
    );
    let href_with = move |key: &'static str, value: String| {
        let mut q = query.get();
        q.replace(key, value);
        if key != "page" {
            q.remove("page");
        }
        format!("{base}{}", q.to_query_string())
    };
    let csv_href = move || {
        let mut q = query.get();
        q.remove("page");
        if queue {
            q.replace("status", "ministry_review".into());
            q.replace("sort", "waiting".into());
        }
        format!("/cases.csv{}", q.to_query_string())
    };
    // The options' names follow a language switch.
    let select =
        move |name: &'static str, label: AnyView, options: Vec<(&'static str, Signal<String>)>| {
            view! {
                <label>{label}
                    <select name=name>
                        <option value="">{t!(i18n, any_option)}</option>
                        {options.into_iter().map(|(code, text)| view! {
                            <option value=code selected=move || param(name) == code>{text}</option>
                        }).collect_view()}
                    </select>
                </label>
            }
        };
    view! {
        <section class="page" aria-labelledby="cases-title">
            <h1 id="cases-title">
                {if queue { t!(i18n, ministry_queue_title).into_any() } else { t!(i18n, cases_title).into_any() }}
            </h1>
            {queue.then(|| view! { <p class="hint">{t!(i18n, ministry_queue_hint)}</p> })}
            <Form method="GET" action="" attr:class="filters">
                <label>{t!(i18n, cases_search)}
                    <input name="q" type="search" value=move || param("q") placeholder="extorsión, IA-2013-000022…"/>
                </label>
                {(!queue).then(|| select("status", t!(i18n, cases_status).into_any(),
                    CaseStatus::ALL.iter().map(|&s| (s.as_str(), Signal::derive(move || s.label(i18n.get_locale()).to_string()))).collect()))}
                {select("origin", t!(i18n, cases_origin).into_any(),
                    CaseOrigin::ALL.iter().map(|&o| (o.as_str(), Signal::derive(move || o.label(i18n.get_locale()).to_string()))).collect())}
                {select("allegation", t!(i18n, cases_allegation).into_any(),
                    AllegationKind::ALL.iter().map(|&k| (k.as_str(), Signal::derive(move || k.label(i18n.get_locale()).to_string()))).collect())}
                <label>{t!(i18n, cases_region)}
                    <input name="region" value=move || param("region") placeholder="13" size="4"/>
                </label>
                {select("assigned", t!(i18n, cases_assigned).into_any(), vec![
                    ("me", Signal::derive(move || t_string!(i18n, assigned_me).to_string())),
                    ("all", Signal::derive(move || t_string!(i18n, assigned_all).to_string())),
                    ("none", Signal::derive(move || t_string!(i18n, assigned_none).to_string())),
                ])}
                {select("sealed", t!(i18n, cases_sealed).into_any(), vec![
                    ("1", Signal::derive(move || t_string!(i18n, sealed_only).to_string())),
                    ("0", Signal::derive(move || t_string!(i18n, unsealed_only).to_string())),
                ])}
                <label class="check">
                    <input type="checkbox" name="overdue" value="1" checked=move || param("overdue") == "1"/>
                    {t!(i18n, cases_overdue_only)}
                </label>
                <input type="hidden" name="sort" value=move || param("sort")/>
                <button type="submit" class="primary">{t!(i18n, audit_search)}</button>
            </Form>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match cases.await {
                        Ok(p) => {
                            let (current, pages, total, more) = (p.page, p.pages, p.total, p.more);
                            let mine = p.filter.assigned.as_deref() == Some("me") && param("assigned").is_empty();
                            view! {
                                {(p.may_create && !queue).then(|| view! {
                                    <p class="actions"><a class="button" href="/cases/new">{t!(i18n, case_new_title)}</a></p>
                                })}
                                {mine.then(|| view! {
                                    <p class="hint" data-testid="own-cases">{t!(i18n, cases_own_hint)} " "
                                        <a href=href_with("assigned", "all".into())>{t!(i18n, cases_show_all)}</a></p>
                                })}
                                <p class="muted" data-testid="cases-total">
                                    {if more {
                                        t!(i18n, cases_total_more, count = move || crate::format::format_count(total)).into_any()
                                    } else {
                                        t!(i18n, cases_total, count = move || crate::format::format_count(total)).into_any()
                                    }}
                                    " · " <a href=csv_href data-testid="cases-csv" download>{t!(i18n, cases_export)}</a>
                                </p>
                                {if p.rows.is_empty() {
                                    view! { <p class="muted">{t!(i18n, cases_empty)}</p> }.into_any()
                                } else {
                                    view! { <CaseTable rows=p.rows href_with=std::sync::Arc::new(href_with) sortable=!queue/> }.into_any()
                                }}
                                <nav class="pager" aria-label=move || t_string!(i18n, audit_pages)>
                                    {(current > 1).then(|| view! { <a href=href_with("page", (current - 1).to_string())>{t!(i18n, page_previous)}</a> })}
                                    <span>{format!("{current} / {pages}")}</span>
                                    {(current < pages).then(|| view! { <a href=href_with("page", (current + 1).to_string())>{t!(i18n, page_next)}</a> })}
                                </nav>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn CaseTable(
    rows: Vec<CaseRow>,
    href_with: std::sync::Arc<dyn Fn(&'static str, String) -> String + Send + Sync>,
    sortable: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let head = move |key: &'static str, label: AnyView| {
        if sortable {
            let href = href_with(key, key.to_string());
            view! { <th scope="col"><a href=href>{label}</a></th> }.into_any()
        } else {
            view! { <th scope="col">{label}</th> }.into_any()
        }
    };
    view! {
        <table class="table" data-testid="cases">
            <thead><tr>
                {head("number", t!(i18n, case_number).into_any())}
                <th scope="col">{t!(i18n, case_title_label)}</th>
                <th scope="col">{t!(i18n, cases_status)}</th>
                <th scope="col">{t!(i18n, cases_origin)}</th>
                <th scope="col">{t!(i18n, cases_assigned)}</th>
                {head("intake", t!(i18n, case_intake).into_any())}
                {head("due", t!(i18n, case_due).into_any())}
            </tr></thead>
            <tbody>
                {rows.into_iter().map(|c| {
                    let (status, origin) = (c.status, c.origin);
                    view! {
                        <tr data-case=c.number.clone() class:overdue=c.overdue>
                            <td class="nowrap"><a href=format!("/cases/{}", c.number)>{c.number.clone()}</a>
                                {c.sealed.then(|| view! { " " <span class="badge sealed">{t!(i18n, case_sealed_badge)}</span> })}</td>
                            <td>{c.title.clone()}</td>
                            <td><span class=format!("case-status status-{status}")>{move || status.label(i18n.get_locale())}</span></td>
                            <td>{move || origin.label(i18n.get_locale())}</td>
                            <td>{c.assigned.clone().unwrap_or_else(|| "—".into())}</td>
                            <td class="nowrap">{c.intake_on.clone()}</td>
                            <td class="nowrap">{c.due_on.clone().unwrap_or_default()}
                                {c.overdue.then(|| view! { " " <span class="badge overdue">{t!(i18n, case_overdue_badge)}</span> })}
                                {c.paused.then(|| view! { " " <span class="badge paused">{t!(i18n, case_paused_badge)}</span> })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// `/cases/:number`: one case, and what its reader may do to it now.
#[component]
pub fn CaseFilePage() -> impl IntoView {
    use leptos_router::hooks::use_params_map;

    let i18n = use_i18n();
    let params = use_params_map();
    let number = move || params.with(|p| p.get("number").unwrap_or_default());
    let saved = RwSignal::new(0u32);
    let case = Resource::new(move || (number(), saved.get()), |(n, _)| get_case(n));
    let acts = CaseForms::new(saved);
    view! {
        <section class="page case-file">
            <p><a href="/cases">{t!(i18n, back_to_cases)}</a></p>
            <Transition fallback=move || view! { <p class="muted">{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match case.await {
                        Ok(c) => view! { <CaseView case=c acts/> }.into_any(),
                        Err(AppError::NotFound(_)) => {
                            #[cfg(feature = "ssr")]
                            if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
                                resp.set_status(http::StatusCode::NOT_FOUND);
                            }
                            view! {
                                <h1>{t!(i18n, not_found_title)}</h1>
                                <p>{t!(i18n, case_not_found_text)}</p>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The server actions of the case page; each success reads the case again.
#[derive(Clone, Copy)]
struct CaseForms {
    moved: ServerAction<MoveCase>,
    subject: ServerAction<AddCaseSubject>,
    allegation: ServerAction<AddCaseAllegation>,
    finding: ServerAction<RecordCaseFinding>,
    note: ServerAction<AddCaseNote>,
    assign: ServerAction<AssignCase>,
    seal: ServerAction<SealCase>,
    unseal: ServerAction<UnsealCase>,
    pause: ServerAction<PauseCaseClock>,
    resume: ServerAction<ResumeCaseClock>,
    decide: ServerAction<DecideCase>,
    link_footage: ServerAction<LinkCaseFootage>,
    link_test: ServerAction<LinkCaseTest>,
    /// Counts successes: the case is read again after each.
    saved: RwSignal<u32>,
}

impl CaseForms {
    fn new(saved: RwSignal<u32>) -> CaseForms {
        let f = CaseForms {
            moved: ServerAction::new(),
            subject: ServerAction::new(),
            allegation: ServerAction::new(),
            finding: ServerAction::new(),
            note: ServerAction::new(),
            assign: ServerAction::new(),
            seal: ServerAction::new(),
            unseal: ServerAction::new(),
            pause: ServerAction::new(),
            resume: ServerAction::new(),
            decide: ServerAction::new(),
            link_footage: ServerAction::new(),
            link_test: ServerAction::new(),
            saved,
        };
        count_successes(f.moved, saved);
        count_successes(f.subject, saved);
        count_successes(f.allegation, saved);
        count_successes(f.finding, saved);
        count_successes(f.note, saved);
        count_successes(f.assign, saved);
        count_successes(f.seal, saved);
        count_successes(f.unseal, saved);
        count_successes(f.pause, saved);
        count_successes(f.resume, saved);
        count_successes(f.decide, saved);
        count_successes(f.link_footage, saved);
        count_successes(f.link_test, saved);
        f
    }
}

#[component]
fn CaseView(case: CaseFile, acts: CaseForms) -> impl IntoView {
    let i18n = use_i18n();
    let c = case;
    let (status, origin) = (c.status, c.origin);
    let number = c.number.clone();
    let a = c.actions.clone();
    // Reading the officers' tracks changes nothing.
    let read_only = CaseActions {
        read_tracks: false,
        ..a.clone()
    } == CaseActions::default();
    view! {
        <h1 data-testid="case-title"><span class="case-number">{c.number.clone()}</span> " " {c.title.clone()}</h1>
        <p class="case-flags">
            <span class=format!("case-status status-{status}") data-testid="case-status">{move || status.label(i18n.get_locale())}</span>
            {c.sealed.then(|| view! { " " <span class="badge sealed" data-testid="case-sealed">{t!(i18n, case_sealed_badge)}</span> })}
            {c.overdue.then(|| view! { " " <span class="badge overdue" data-testid="case-overdue">{t!(i18n, case_overdue_badge)}</span> })}
            {c.paused_on.clone().map(|since| view! { " " <span class="badge paused">{t!(i18n, case_paused_since, since = move || since.clone())}</span> })}
        </p>
        <dl class="facts wide">
            <dt>{t!(i18n, cases_origin)}</dt><dd>{move || origin.label(i18n.get_locale())}</dd>
            <dt>{t!(i18n, case_intake)}</dt><dd>{c.intake_on.clone()}</dd>
            <dt>{t!(i18n, case_due)}</dt><dd data-testid="case-due">{c.due_on.clone().unwrap_or_else(|| "—".into())}</dd>
            {c.pause_reason.clone().map(|r| view! { <dt>{t!(i18n, case_pause_reason)}</dt><dd>{r}</dd> })}
            <dt>{t!(i18n, cases_assigned)}</dt>
            <dd data-testid="case-assigned">{match c.assigned.clone() {
                Some(p) => p.display_name.into_any(),
                None => t!(i18n, assigned_none).into_any(),
            }}</dd>
            <dt>{t!(i18n, case_incident)}</dt>
            <dd>{
                let parts = [c.incident_at.clone().unwrap_or_default(), c.unit.clone().unwrap_or_default(), c.place.clone()]
                    .into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();
                if parts.is_empty() { "—".to_string() } else { parts.join(" · ") }
            }</dd>
            <dt>{t!(i18n, field_complainant)}</dt>
            <dd data-testid="complainant">{complainant(&c.complainant)}</dd>
            <dt>{t!(i18n, case_opened_by)}</dt><dd>{c.created_by.clone()}</dd>
            {c.decided_on.clone().map(|d| view! { <dt>{t!(i18n, case_decided_on)}</dt><dd>{d}</dd> })}
        </dl>
        <h2>{t!(i18n, field_summary)}</h2>
        <p class="case-summary">{c.summary.clone()}</p>
        {read_only.then(|| view! { <p class="hint" data-testid="read-only">{t!(i18n, case_read_only)}</p> })}
        <WorkflowForms number=number.clone() actions=a.clone() investigators=c.assignable.clone() acts/>
        <Subjects number=number.clone() subjects=c.subjects.clone() actions=a.clone() acts track_window=c.track_window.clone()/>
        <super::evidence_views::EvidenceList evidence=c.evidence.clone()/>
        {a.link_evidence.then(|| view! {
            <super::evidence_views::LinkForms number=number.clone() tests=c.linkable_tests.clone()
                footage=acts.link_footage test=acts.link_test/>
        })}
        <super::evidence_views::Documents number=number.clone() documents=c.documents.clone()
            may_add=a.link_evidence max_bytes=c.document_max_bytes max=c.document_max.clone() saved=acts.saved/>
        <Notes number=number.clone() notes=c.notes.clone() may_add=a.add_note acts/>
        <super::timeline_views::Timeline entries=c.timeline.clone()/>
    }
}

fn complainant(c: &Complainant) -> AnyView {
    let i18n = use_i18n();
    match c.clone() {
        Complainant::None => {
            view! { <span class="muted">{t!(i18n, complainant_none)}</span> }.into_any()
        }
        Complainant::Anonymous => {
            view! { <span>{t!(i18n, complainant_anonymous)}</span> }.into_any()
        }
        Complainant::Named { name, contact } => {
            view! { <span>{name} {(!contact.is_empty()).then(|| format!(" · {contact}"))}</span> }
                .into_any()
        }
        Complainant::Masked => {
            view! { <span class="masked">{t!(i18n, complainant_masked)}</span> }.into_any()
        }
    }
}

/// The workflow's steps open to the reader, and the supervisor's tools.
#[component]
fn WorkflowForms(
    number: String,
    actions: CaseActions,
    investigators: Vec<Person>,
    acts: CaseForms,
) -> impl IntoView {
    let i18n = use_i18n();
    let move_error = last_error(acts.moved);
    let assign_error = last_error(acts.assign);
    let seal_error = Signal::derive(move || {
        last_error(acts.seal)
            .get()
            .or_else(|| last_error(acts.unseal).get())
    });
    let clock_error = Signal::derive(move || {
        last_error(acts.pause)
            .get()
            .or_else(|| last_error(acts.resume).get())
    });
    let any = !actions.moves.is_empty()
        || actions.assign
        || actions.seal
        || actions.unseal
        || actions.pause
        || actions.resume;
    any.then(|| view! {
        <h2>{t!(i18n, case_actions_title)}</h2>
        <div class="case-actions" data-testid="case-actions">
            {actions.moves.iter().copied().map(|m| {
                let number = number.clone();
                view! {
                    <ActionForm action=acts.moved attr:class="form inline" attr:data-move=m.as_str()>
                        <input type="hidden" name="number" value=number/>
                        <input type="hidden" name="step" value=m.as_str()/>
                        {matches!(m, CaseMove::Return | CaseMove::Appeal).then(|| view! {
                            <label for=format!("reason-{m}")>{t!(i18n, field_reason)}</label>
                            <input id=format!("reason-{m}") name="reason" required/>
                        })}
                        <button type="submit" class="primary">{move || m.label(i18n.get_locale())}</button>
                    </ActionForm>
                }
            }).collect_view()}
            <FieldError error=move_error field=Field::Reason/>
            <FormError error=move_error/>
            {actions.assign.then(|| {
                let number = number.clone();
                view! {
                    <ActionForm action=acts.assign attr:class="form inline" attr:data-testid="assign-form">
                        <input type="hidden" name="number" value=number/>
                        <label for="assign-to">{t!(i18n, field_investigator)}</label>
                        <select id="assign-to" name="investigator">
                            {investigators.iter().map(|p| view! {
                                <option value=p.username.clone()>{format!("{} ({})", p.display_name, p.username)}</option>
                            }).collect_view()}
                        </select>
                        <button type="submit">{t!(i18n, case_assign_button)}</button>
                        <FieldError error=assign_error field=Field::Investigator/>
                        <FormError error=assign_error/>
                    </ActionForm>
                }
            })}
            {actions.seal.then(|| {
                let number = number.clone();
                view! {
                    <ActionForm action=acts.seal attr:class="form inline">
                        <input type="hidden" name="number" value=number/>
                        <button type="submit" data-testid="seal">{t!(i18n, case_seal_button)}</button>
                    </ActionForm>
                }
            })}
            {actions.unseal.then(|| {
                let number = number.clone();
                view! {
                    <ActionForm action=acts.unseal attr:class="form inline">
                        <input type="hidden" name="number" value=number/>
                        <button type="submit" data-testid="unseal">{t!(i18n, case_unseal_button)}</button>
                    </ActionForm>
                }
            })}
            <FormError error=seal_error/>
            {actions.pause.then(|| {
                let number = number.clone();
                view! {
                    <ActionForm action=acts.pause attr:class="form inline">
                        <input type="hidden" name="number" value=number/>
                        <label for="pause-reason">{t!(i18n, case_pause_reason)}</label>
                        <input id="pause-reason" name="reason" required/>
                        <button type="submit">{t!(i18n, case_pause_button)}</button>
                    </ActionForm>
                }
            })}
            {actions.resume.then(|| {
                let number = number.clone();
                view! {
                    <ActionForm action=acts.resume attr:class="form inline">
                        <input type="hidden" name="number" value=number/>
                        <button type="submit">{t!(i18n, case_resume_button)}</button>
                    </ActionForm>
                }
            })}
            <FieldError error=clock_error field=Field::Reason/>
            <FormError error=clock_error/>
        </div>
    })
}

/// The officers in the case, their allegations and findings, the
/// ministry's decisions, and the forms that add to them.
#[component]
fn Subjects(
    number: String,
    subjects: Vec<SubjectView>,
    actions: CaseActions,
    acts: CaseForms,
    track_window: (String, String),
) -> impl IntoView {
    let i18n = use_i18n();
    let subject_error = last_error(acts.subject);
    let read_tracks = actions.read_tracks;
    let case_number = number.clone();
    let track_href = move |badge: &str| {
        let (from, to) = &track_window;
        format!("/officers/{badge}/track?case={case_number}&from={from}&to={to}")
    };
    let allegation_error = last_error(acts.allegation);
    let finding_error = last_error(acts.finding);
    let decide_error = last_error(acts.decide);
    let accused: Vec<SubjectView> = subjects
        .iter()
        .filter(|s| s.role == SubjectRole::Accused)
        .cloned()
        .collect();
    let undecided: Vec<SubjectView> = accused
        .iter()
        .filter(|s| s.decision.is_none())
        .cloned()
        .collect();
    let n = number.clone();
    view! {
        <h2>{t!(i18n, case_subjects_title)}</h2>
        {if subjects.is_empty() {
            view! { <p class="muted">{t!(i18n, case_subjects_empty)}</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="subjects">
                    <thead><tr>
                        <th scope="col">{t!(i18n, officers_badge)}</th>
                        <th scope="col">{t!(i18n, officers_name)}</th>
                        <th scope="col">{t!(i18n, field_role)}</th>
                        <th scope="col">{t!(i18n, case_allegations_title)}</th>
                        <th scope="col">{t!(i18n, field_outcome)}</th>
                    </tr></thead>
                    <tbody>
                        {subjects.into_iter().map(|s| {
                            let role = s.role;
                            let n = n.clone();
                            view! {
                                <tr data-badge=s.badge_number.clone()>
                                    <td><a href=format!("/officers/{}", s.badge_number)>{s.badge_number.clone()}</a>
                                        {read_tracks.then(|| {
                                            let badge = s.badge_number.clone();
                                            view! {
                                                <br/><small><a href=track_href(&badge) data-testid="subject-track">
                                                    {t!(i18n, subject_track)}</a></small>
                                            }
                                        })}
                                    </td>
                                    <td>{s.name.clone()} " " <span class="muted">{s.unit_code.clone()}</span></td>
                                    <td>{move || role.label(i18n.get_locale())}</td>
                                    <td>
                                        <ul class="plain">
                                            {s.allegations.into_iter().map(|a| {
                                                let (kind, finding) = (a.kind, a.finding);
                                                let n = n.clone();
                                                view! {
                                                    <li data-allegation=kind.as_str() data-finding=finding.as_str()>
                                                        {move || kind.label(i18n.get_locale())} ": "
                                                        <span class=format!("finding finding-{finding}")>{move || finding.label(i18n.get_locale())}</span>
                                                        {actions.record_finding.then(|| view! {
                                                            <ActionForm action=acts.finding attr:class="form inline">
                                                                <input type="hidden" name="number" value=n/>
                                                                <input type="hidden" name="allegation" value=a.id.to_string()/>
                                                                <label class="sr-only" for=format!("finding-{}", a.id)>{t!(i18n, field_finding)}</label>
                                                                <select id=format!("finding-{}", a.id) name="finding">
                                                                    {Finding::ALL.iter().copied().map(|f| view! {
                                                                        <option value=f.as_str() selected=f == finding>{move || f.label(i18n.get_locale())}</option>
                                                                    }).collect_view()}
                                                                </select>
                                                                <button type="submit">{t!(i18n, case_finding_button)}</button>
                                                            </ActionForm>
                                                        })}
                                                    </li>
                                                }
                                            }).collect_view()}
                                        </ul>
                                    </td>
                                    <td>{s.decision.map(|d| {
                                        let outcome = d.outcome;
                                        view! {
                                            <span class=format!("outcome outcome-{outcome}") data-testid="decision">{move || outcome.label(i18n.get_locale())}
                                                {d.suspension_days.map(|n| format!(" ({n})"))}</span>
                                            <br/><span class="muted">{format!("{} · {}", d.decided_on, d.decided_by)}</span>
                                            <p class="basis">{d.basis}</p>
                                        }
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        <FieldError error=finding_error field=Field::Finding/>
        <FormError error=finding_error/>
        {actions.add_subject.then(|| {
            let number = number.clone();
            view! {
                <h3>{t!(i18n, case_add_subject_title)}</h3>
                <ActionForm action=acts.subject attr:class="form" attr:data-testid="subject-form">
                    <input type="hidden" name="number" value=number/>
                    <label for="subject-badge">{t!(i18n, officers_badge)}</label>
                    <input id="subject-badge" name="badge_number" inputmode="numeric" required/>
                    <FieldError error=subject_error field=Field::BadgeNumber/>
                    <label for="subject-role">{t!(i18n, field_role)}</label>
                    <select id="subject-role" name="role">
                        {SubjectRole::ALL.iter().copied().map(|r| view! {
                            <option value=r.as_str()>{move || r.label(i18n.get_locale())}</option>
                        }).collect_view()}
                    </select>
                    <FieldError error=subject_error field=Field::Role/>
                    <button type="submit">{t!(i18n, case_add_subject_button)}</button>
                    <FormError error=subject_error/>
                </ActionForm>
            }
        })}
        {(actions.add_allegation && !accused.is_empty()).then(|| {
            let number = number.clone();
            let accused = accused.clone();
            view! {
                <h3>{t!(i18n, case_add_allegation_title)}</h3>
                <ActionForm action=acts.allegation attr:class="form" attr:data-testid="allegation-form">
                    <input type="hidden" name="number" value=number/>
                    <label for="allegation-subject">{t!(i18n, subject_accused)}</label>
                    <select id="allegation-subject" name="subject">
                        {accused.into_iter().map(|s| view! {
                            <option value=s.id.to_string()>{format!("{} {}", s.badge_number, s.name)}</option>
                        }).collect_view()}
                    </select>
                    <FieldError error=allegation_error field=Field::Subject/>
                    <label for="allegation-kind">{t!(i18n, case_allegation_kind)}</label>
                    <select id="allegation-kind" name="kind">
                        {AllegationKind::ALL.iter().copied().map(|k| view! {
                            <option value=k.as_str()>{move || k.label(i18n.get_locale())}</option>
                        }).collect_view()}
                    </select>
                    <FieldError error=allegation_error field=Field::Kind/>
                    <button type="submit">{t!(i18n, case_add_allegation_button)}</button>
                    <FormError error=allegation_error/>
                </ActionForm>
            }
        })}
        {(actions.decide && !accused.is_empty()).then(|| {
            let number = number.clone();
            // After an appeal every accused officer may be decided again.
            let choices = if undecided.is_empty() { accused.clone() } else { undecided.clone() };
            view! {
                <h3>{t!(i18n, case_decide_title)}</h3>
                <ActionForm action=acts.decide attr:class="form" attr:data-testid="decision-form">
                    <input type="hidden" name="number" value=number/>
                    <label for="decide-subject">{t!(i18n, subject_accused)}</label>
                    <select id="decide-subject" name="subject">
                        {choices.into_iter().map(|s| view! {
                            <option value=s.id.to_string()>{format!("{} {}", s.badge_number, s.name)}</option>
                        }).collect_view()}
                    </select>
                    <FieldError error=decide_error field=Field::Subject/>
                    <label for="decide-outcome">{t!(i18n, field_outcome)}</label>
                    <select id="decide-outcome" name="outcome">
                        {Outcome::ALL.iter().copied().map(|o| view! {
                            <option value=o.as_str()>{move || o.label(i18n.get_locale())}</option>
                        }).collect_view()}
                    </select>
                    <FieldError error=decide_error field=Field::Outcome/>
                    <label for="decide-days">{t!(i18n, case_suspension_days)}</label>
                    <input id="decide-days" name="days" inputmode="numeric" size="4"/>
                    <FieldError error=decide_error field=Field::Days/>
                    <label for="decide-basis">{t!(i18n, field_basis)}</label>
                    <textarea id="decide-basis" name="basis" rows="4" required></textarea>
                    <FieldError error=decide_error field=Field::Basis/>
                    <label for="decide-on">{t!(i18n, field_decided_on)}</label>
                    <input id="decide-on" name="decided_on" type="date"/>
                    <FieldError error=decide_error field=Field::DecidedOn/>
                    <button type="submit" class="primary">{t!(i18n, case_decide_button)}</button>
                    <FormError error=decide_error/>
                </ActionForm>
            }
        })}
    }
}

/// The notes, oldest first; a correction names the note it corrects.
#[component]
fn Notes(number: String, notes: Vec<NoteView>, may_add: bool, acts: CaseForms) -> impl IntoView {
    let i18n = use_i18n();
    let error = last_error(acts.note);
    let ids: Vec<i64> = notes.iter().map(|n| n.id).collect();
    view! {
        <h2>{t!(i18n, case_notes_title)}</h2>
        {if notes.is_empty() {
            view! { <p class="muted">{t!(i18n, case_notes_empty)}</p> }.into_any()
        } else {
            view! {
                <ol class="notes" data-testid="notes">
                    {notes.into_iter().map(|n| view! {
                        <li id=format!("note-{}", n.id)>
                            <p class="note-meta">{format!("#{} · {} · {}", n.id, n.at, n.author)}
                                {n.corrects.map(|c| view! { " · " <a href=format!("#note-{c}")>{t!(i18n, case_note_corrects, note = move || c)}</a> })}</p>
                            <p class="note-body">{n.body}</p>
                        </li>
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
        {may_add.then(|| view! {
            <ActionForm action=acts.note attr:class="form" attr:data-testid="note-form">
                <input type="hidden" name="number" value=number/>
                <label for="note-body">{t!(i18n, case_new_note)}</label>
                <textarea id="note-body" name="body" rows="4" required></textarea>
                <FieldError error field=Field::Body/>
                {(!ids.is_empty()).then(|| view! {
                    <label for="note-corrects">{t!(i18n, field_corrects)}</label>
                    <select id="note-corrects" name="corrects">
                        <option value="">{t!(i18n, case_note_corrects_none)}</option>
                        {ids.iter().map(|id| view! { <option value=id.to_string()>{format!("#{id}")}</option> }).collect_view()}
                    </select>
                    <FieldError error field=Field::Corrects/>
                })}
                <button type="submit">{t!(i18n, case_add_note_button)}</button>
                <FormError error/>
            </ActionForm>
        })}
    }
}

/// The cases an officer is in, for a reader the policy lets read cases (as
/// that reader may see them); for any other reader it holds `None` and the
/// server is not asked.
pub fn officer_case_list(
    badge: Signal<String>,
    access: Resource<Result<crate::officers::FileAccess, AppError>>,
) -> Resource<Result<Option<Vec<OfficerCase>>, AppError>> {
    Resource::new(
        move || badge.get(),
        move |badge| async move {
            match access.await {
                Ok(p) if p.read_cases => officer_cases(badge).await.map(Some),
                // The file itself says why it cannot be shown.
                _ => Ok(None),
            }
        },
    )
}

/// The cases an officer is in, on their file (as the reader may see them).
///
/// The list is made by the page (with [`officer_case_list`]), and this part
/// is drawn whatever the reader may do (it draws nothing for a reader who may
/// not read cases): a resource or a `Transition` made inside a part that
/// waits for data is numbered in the order the parts resolve, which differs
/// between the server and the browser, and the page would fail to hydrate.
#[component]
pub fn OfficerCases(
    badge: Signal<String>,
    cases: Resource<Result<Option<Vec<OfficerCase>>, AppError>>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let list = match cases.await {
                    Ok(None) => return None,
                    Ok(Some(rows)) if rows.is_empty() => view! { <p class="muted">{t!(i18n, officer_cases_empty)}</p> }.into_any(),
                    Ok(Some(rows)) => view! {
                        <ul class="plain" data-testid="officer-cases">
                            {rows.into_iter().map(|c| {
                                let (status, role) = (c.status, c.role);
                                let decision = c.decision;
                                view! {
                                    <li data-case=c.number.clone()>
                                        <a href=format!("/cases/{}", c.number)>{c.number.clone()}</a> " " {c.title.clone()} " · "
                                        {move || role.label(i18n.get_locale())} " · " {move || status.label(i18n.get_locale())}
                                        {decision.map(|o| view! { " · " <strong>{move || o.label(i18n.get_locale())}</strong> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
                };
                let badge = badge.get_untracked();
                Some(view! {
                    <h2 id="cases">{t!(i18n, officer_cases_title)}</h2>
                    {list}
                    <p><a class="button" href=format!("/cases/new?accused={badge}") data-testid="open-case">{t!(i18n, case_open_for_officer)}</a></p>
                })
            })}
        </Transition>
    }
}
