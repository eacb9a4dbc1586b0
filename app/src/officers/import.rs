//! Importing officers, assignments and confidence tests from CSV: what the
//! page and `vigia import` share (kinds, the report), the server function
//! and the `/import` page. The work is done in [`super::importer`].

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, ErrorMessage, Field, Problem};
use crate::i18n::*;
use crate::policy::RecordKind;
#[cfg(feature = "ssr")]
use crate::policy::{act, Object};

/// The largest file the import page accepts (the request limit for
/// `/rpc/import_records`; a 40,000-officer file is about 4 MiB).
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportKind {
    Officers,
    Assignments,
    Tests,
}

impl ImportKind {
    pub const ALL: [ImportKind; 3] = [
        ImportKind::Officers,
        ImportKind::Assignments,
        ImportKind::Tests,
    ];

    /// `officers`, `assignments` or `tests` (the CLI's words too).
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Officers => "officers",
            ImportKind::Assignments => "assignments",
            ImportKind::Tests => "tests",
        }
    }

    pub fn parse(s: &str) -> Result<ImportKind, AppError> {
        ImportKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                AppError::validation(
                    Field::Kind,
                    Problem::not_one_of(s.trim(), &["officers", "assignments", "tests"]),
                )
            })
    }

    /// The header's column names (in any order in a file).
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            ImportKind::Officers => &[
                "badge_number",
                "given_names",
                "family_names",
                "rank",
                "unit",
                "status",
                "hire_date",
                "national_id",
            ],
            ImportKind::Assignments => &["badge_number", "vehicle", "from", "to", "role"],
            ImportKind::Tests => &[
                "badge_number",
                "kind",
                "date",
                "result",
                "examiner",
                "notes",
            ],
        }
    }

    /// Columns a file may add (in any order). `status_since`: the date the
    /// officer's status took effect (a dismissal, a retirement), which a
    /// register being moved into Vigía knows; without it a change of status
    /// takes effect on the day of the import.
    pub fn optional_columns(self) -> &'static [&'static str] {
        match self {
            ImportKind::Officers => &["status_since"],
            ImportKind::Assignments | ImportKind::Tests => &[],
        }
    }

    /// What the policy must allow: officers and assignments are officer
    /// records (which an administrator may import); tests are confidence
    /// tests.
    /// What the policy calls this kind of file.
    pub fn record_kind(self) -> RecordKind {
        match self {
            ImportKind::Officers => RecordKind::Officers,
            ImportKind::Assignments => RecordKind::Assignments,
            ImportKind::Tests => RecordKind::ConfidenceTests,
        }
    }
}

/// A bad row: its line in the file (1 is the header), the column and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowProblem {
    pub line: u64,
    /// Empty when the whole row (or file) is at fault.
    pub column: String,
    pub problem: Problem,
}

/// What an import did, or why it did nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub kind: String,
    /// Rows in the file (not counting the header and blank lines).
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    /// Rows already held exactly so (a re-import).
    pub unchanged: u64,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    /// Every bad row; when there is any, nothing was imported.
    pub problems: Vec<RowProblem>,
}

impl ImportReport {
    pub fn imported(&self) -> bool {
        self.problems.is_empty()
    }

    /// The report as `vigia import` prints it for a refused file.
    pub fn problems_text(&self) -> String {
        let mut out = format!(
            "nothing imported: {} problem(s) in the file\n",
            self.problems.len()
        );
        for p in &self.problems {
            if p.column.is_empty() {
                out.push_str(&format!("line {}: {}\n", p.line, p.problem));
            } else {
                out.push_str(&format!(
                    "line {}, column {}: {}\n",
                    p.line, p.column, p.problem
                ));
            }
        }
        out
    }
}

/// Imports a CSV file (the whole file is checked first; if any row is
/// bad, nothing is imported and the report lists every bad row). The
/// request is a multipart form: `kind` first, then `file`. The kind is the
/// object the policy decides on, so it is read (at most 32 bytes) before
/// the policy is asked; the file is read only once the policy allows it,
/// and one of [`crate::state::UploadSlots::IMPORTS`] import slots is free,
/// and it streams into the uploads folder rather than memory.
#[server(prefix = "/rpc", endpoint = "import_records", input = server_fn::codec::MultipartFormData)]
pub async fn import_records(
    data: server_fn::codec::MultipartData,
) -> Result<ImportReport, AppError> {
    let Some(mut form) = data.into_inner() else {
        return Err(AppError::Internal);
    };
    let parsed = crate::upload::text_part(&mut form, "kind", Field::Kind, 32)
        .await
        .and_then(|k| ImportKind::parse(&k));
    // An unknown kind is judged as an officers file, then refused by name.
    let object = Object::Import(parsed.clone().unwrap_or(ImportKind::Officers).record_kind());
    crate::rpc::call_on(act::ImportRecords, object, |cx| async move {
        let kind = parsed?;
        let _slot = cx
            .state
            .uploads
            .imports
            .clone()
            .try_acquire_owned()
            .map_err(|_| AppError::Unavailable(Problem::UploadsBusy))?;
        let received = crate::upload::file_part(
            &mut form,
            "file",
            Field::File,
            &cx.state.upload_dir,
            MAX_IMPORT_BYTES as u64,
        )
        .await?;
        let bytes = tokio::task::spawn_blocking(move || {
            use std::io::Read;
            let mut file = received.file;
            let mut bytes = Vec::with_capacity(received.bytes as usize);
            file.read_to_end(&mut bytes).map(|_| bytes)
        })
        .await
        .map_err(|_| AppError::Internal)?
        .map_err(|e| {
            tracing::error!(error = %e, "cannot read an upload back");
            AppError::Internal
        })?;
        super::importer::import(&cx.state.db, &cx.permit, &cx.ip, kind, bytes, &|_| {}).await
    })
    .await
}

/// What the import page sends: the browser's form data (nothing on the
/// server, where the page only renders).
#[cfg(feature = "hydrate")]
type Upload = web_sys::FormData;
#[cfg(not(feature = "hydrate"))]
type Upload = ();

/// `/import`: pick the kind of file and the file; see what was imported or
/// every bad row.
#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new("officers".to_string());
    let chosen = RwSignal::new(None::<(String, usize)>); // name, bytes
    #[cfg(feature = "hydrate")]
    let action = Action::new_local(|upload: &Upload| import_records(upload.clone().into()));
    // On the server the page only renders: nothing is ever dispatched.
    #[cfg(not(feature = "hydrate"))]
    let action =
        Action::new_local(|_: &Upload| async { Err::<ImportReport, AppError>(AppError::Internal) });
    let pending = action.pending();
    let local_error = RwSignal::new(None::<String>);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            local_error.set(None);
            let Some(input) = leptos::prelude::document()
                .get_element_by_id("import-file")
                .and_then(|e| e.dyn_into::<web_sys::HtmlInputElement>().ok())
            else {
                return;
            };
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                local_error.set(Some(t_string!(i18n, import_choose_file).to_string()));
                return;
            };
            if file.size() > MAX_IMPORT_BYTES as f64 {
                local_error.set(Some(t_string!(i18n, import_too_large).to_string()));
                return;
            }
            let name = file.name();
            chosen.set(Some((name.clone(), file.size() as usize)));
            let Ok(form) = web_sys::FormData::new() else {
                return;
            };
            // The kind first: the server asks the policy before it reads the file.
            if form.append_with_str("kind", &kind.get_untracked()).is_err()
                || form
                    .append_with_blob_and_filename("file", &file, &name)
                    .is_err()
            {
                local_error.set(Some(t_string!(i18n, import_unreadable).to_string()));
                return;
            }
            action.dispatch_local(form);
        }
    };

    view! {
        <section class="page" aria-labelledby="import-title">
            <h1 id="import-title">{t!(i18n, import_title)}</h1>
            <p class="lede">{t!(i18n, import_intro)}</p>
            <form class="form" on:submit=on_submit data-testid="import-form">
                <label for="import-kind">{t!(i18n, import_kind)}</label>
                <select id="import-kind" name="kind" on:change=move |ev| kind.set(event_target_value(&ev))>
                    {ImportKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=move || kind.get() == k.as_str()>{move || kind_label(i18n, k)}</option>
                    }).collect_view()}
                </select>
                <p class="hint">{t!(i18n, import_columns)} " "
                    <code data-testid="import-columns">{move || ImportKind::parse(&kind.get()).map(|k| k.columns().join(",")).unwrap_or_default()}</code>
                    {move || {
                        let optional = ImportKind::parse(&kind.get()).map(|k| k.optional_columns().join(",")).unwrap_or_default();
                        (!optional.is_empty()).then(|| view! {
                            " " {t!(i18n, import_optional_columns)} " " <code data-testid="import-optional-columns">{optional}</code>
                        })
                    }}
                </p>
                <label for="import-file">{t!(i18n, import_file)}</label>
                <input id="import-file" name="file" type="file" accept=".csv,text/csv" required/>
                <p class="hint">{t!(i18n, import_hint)}</p>
                <button type="submit" class="primary" disabled=move || pending.get()>{t!(i18n, import_button)}</button>
                {move || local_error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            </form>
            {move || pending.get().then(|| view! {
                <div class="progress" role="status" data-testid="import-progress">
                    <progress></progress>
                    {move || chosen.get().map(|(name, bytes)| {
                        let size = crate::format::format_bytes(bytes as u64);
                        view! { <span>{t!(i18n, import_working, name = move || name.clone(), size = move || size.clone())}</span> }
                    })}
                </div>
            })}
            {move || (!pending.get()).then(|| action.value().get()).flatten().map(|answer| match answer {
                Ok(r) if r.imported() => view! {
                    <div class="notice ok" role="status" data-testid="import-done">
                        <p><strong>{t!(i18n, import_done, rows = move || crate::format::format_count(r.rows as i64))}</strong></p>
                        <p>{t!(i18n, import_counts, inserted = move || r.inserted, updated = move || r.updated, unchanged = move || r.unchanged)}</p>
                        <p class="muted">"SHA-256 " <code>{r.sha256.clone()}</code></p>
                    </div>
                }.into_any(),
                Ok(r) => {
                    let total = r.problems.len();
                    view! {
                        <div class="notice bad" role="alert" data-testid="import-refused">
                            <p><strong>{t!(i18n, import_refused, count = move || total)}</strong></p>
                            <table class="table" data-testid="import-problems">
                                <thead><tr>
                                    <th scope="col">{t!(i18n, import_line)}</th>
                                    <th scope="col">{t!(i18n, import_column)}</th>
                                    <th scope="col">{t!(i18n, import_reason)}</th>
                                </tr></thead>
                                <tbody>
                                    {r.problems.into_iter().take(500).map(|p| view! {
                                        <tr><td>{p.line}</td><td><code>{p.column}</code></td><td>{move || p.problem.message(i18n.get_locale())}</td></tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            {(total > 500).then(|| view! { <p class="muted">{t!(i18n, import_first_500)}</p> })}
                        </div>
                    }.into_any()
                }
                Err(e) => view! { <ErrorMessage error=e/> }.into_any(),
            })}
        </section>
    }
}

fn kind_label(i18n: leptos_i18n::I18nContext<Locale>, kind: ImportKind) -> String {
    match kind {
        ImportKind::Officers => t_string!(i18n, import_kind_officers),
        ImportKind::Assignments => t_string!(i18n, import_kind_assignments),
        ImportKind::Tests => t_string!(i18n, import_kind_tests),
    }
    .to_string()
}
