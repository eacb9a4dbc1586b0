//! The case search (server only): number, title, summary, notes and the
//! subjects' names, accent- and case-insensitive, with Spanish stemming
//! ("extorsiones" finds "extorsión"). The one place where the two
//! databases differ for cases:
//!
//! - SQLite: an FTS5 table (`case_search`, rowid = case id) over the text
//!   folded by [`crate::search::fold`] and stemmed by the Snowball Spanish
//!   stemmer (`rust-stemmers`), the query folded and stemmed the same way;
//! - PostgreSQL: a `tsvector` column made with `to_tsvector('spanish',
//!   unaccent(…))` and a GIN index, asked with `plainto_tsquery('spanish',
//!   unaccent(…))`.
//!
//! The document is rebuilt by [`refresh`] in the transaction of every
//! change to what it holds.

use sqlx::{AnyConnection, Row};

use crate::error::AppError;
use crate::store::Backend;

/// Folded words of `text`, each stemmed (SQLite's side).
pub fn stems(text: &str) -> Vec<String> {
    let stemmer = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::Spanish);
    crate::search::fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| stemmer.stem(w).into_owned())
        .collect()
}

/// How a condition "the case is one of these" names the case's id. On
/// SQLite, `+c.id`: the unary plus keeps the planner from answering the
/// condition by looking each listed case up in the wide table and sorting
/// them all (the list reads `cases_list` in number order instead, testing
/// each entry against the list, and stops at a page: a search matching
/// 8,000 cases went from 8-11 ms to 2 ms on the national demo). PostgreSQL
/// plans these itself.
pub fn case_id_in(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "+c.id IN",
        Backend::Postgres => "c.id IN",
    }
}

/// The SQL condition on a cases table aliased `c`, the query bound as `$n`.
pub fn condition(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => format!(
            "{} (SELECT rowid FROM case_search WHERE case_search MATCH ${n})",
            case_id_in(backend)
        ),
        Backend::Postgres => {
            format!("c.search_vector @@ plainto_tsquery('spanish', unaccent(${n}))")
        }
    }
}

/// The bound value for [`condition`]: `None` when the words hold nothing
/// to search for (only punctuation).
pub fn parameter(backend: Backend, q: &str) -> Option<String> {
    match backend {
        Backend::Sqlite => {
            // Each word a quoted prefix: no FTS5 syntax gets through.
            let terms: Vec<String> = stems(q).iter().map(|t| format!("\"{t}\"*")).collect();
            (!terms.is_empty()).then(|| terms.join(" "))
        }
        Backend::Postgres => {
            let q = q.trim();
            (q.chars().any(char::is_alphanumeric)).then(|| q.to_string())
        }
    }
}

/// Rebuilds the search document of case `case_id` from what it holds now.
pub async fn refresh(
    conn: &mut AnyConnection,
    backend: Backend,
    case_id: i64,
) -> Result<(), AppError> {
    let row = sqlx::query("SELECT number, title, summary FROM cases WHERE id = $1")
        .bind(case_id)
        .fetch_one(&mut *conn)
        .await?;
    let mut doc: Vec<String> = vec![row.try_get(0)?, row.try_get(1)?, row.try_get(2)?];
    for r in sqlx::query(
        "SELECT o.badge_number, o.given_names, o.family_names FROM case_subjects s \
         JOIN officers o ON o.id = s.officer_id WHERE s.case_id = $1 ORDER BY s.id",
    )
    .bind(case_id)
    .fetch_all(&mut *conn)
    .await?
    {
        doc.push(r.try_get(0)?);
        doc.push(r.try_get(1)?);
        doc.push(r.try_get(2)?);
    }
    for r in sqlx::query("SELECT body FROM case_notes WHERE case_id = $1 ORDER BY id")
        .bind(case_id)
        .fetch_all(&mut *conn)
        .await?
    {
        doc.push(r.try_get(0)?);
    }
    let doc = doc.join("\n");
    match backend {
        Backend::Sqlite => {
            let stemmed = stems(&doc).join(" ");
            sqlx::query("DELETE FROM case_search WHERE rowid = $1")
                .bind(case_id)
                .execute(&mut *conn)
                .await?;
            sqlx::query("INSERT INTO case_search (rowid, doc) VALUES ($1, $2)")
                .bind(case_id)
                .bind(&stemmed)
                .execute(&mut *conn)
                .await?;
            sqlx::query("UPDATE cases SET search_doc = $1 WHERE id = $2")
                .bind(&stemmed)
                .bind(case_id)
                .execute(&mut *conn)
                .await?;
        }
        Backend::Postgres => {
            sqlx::query(
                "UPDATE cases SET search_doc = $1, \
                 search_vector = to_tsvector('spanish', unaccent($1)) WHERE id = $2",
            )
            .bind(&doc)
            .bind(case_id)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_and_accents_stem_alike() {
        assert_eq!(stems("Extorsiones"), stems("extorsión"));
        assert_eq!(stems("policías"), stems("POLICIA"));
        assert_eq!(stems("IA-2013-000022"), vec!["ia", "2013", "000022"]);
    }

    #[test]
    fn fts_syntax_in_a_query_is_only_words() {
        assert_eq!(
            parameter(Backend::Sqlite, "\"cobro\" OR NEAR(x").unwrap(),
            format!("\"{}\"* \"or\"* \"near\"* \"x\"*", stems("cobro")[0])
        );
        assert_eq!(parameter(Backend::Sqlite, " -*- "), None);
        assert_eq!(parameter(Backend::Postgres, "?"), None);
    }
}
