//! Multi-row INSERT statements that run unchanged on both backends.

/// Builds `INSERT INTO table (c1, c2) VALUES ($1, $2), ($3, $4), …` for
/// `rows` rows. Both SQLite and PostgreSQL take `$n` placeholders.
pub fn insert_sql(table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut n = 1;
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for col in 0..columns.len() {
            if col > 0 {
                sql.push_str(", ");
            }
            sql.push('$');
            sql.push_str(&n.to_string());
            n += 1;
        }
        sql.push(')');
    }
    sql
}

/// How many rows of `columns` columns go in one statement. Both backends
/// bound the parameters of a statement (SQLite 32,766, PostgreSQL 65,535),
/// but the real limit is cost: binding looks each parameter's name up in a
/// list, so a statement's cost grows with the square of its parameters.
/// A few hundred parameters a statement were fastest on SQLite here
/// (national demo load: 3,000 → 3.0 s, 1,000 → 1.9 s, 300 → 1.5 s).
pub fn rows_per_statement(columns: usize) -> usize {
    (300 / columns.max(1)).clamp(1, 500)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_across_rows() {
        assert_eq!(
            insert_sql("t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)"
        );
    }
}

/// One value of a row for [`insert_many`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Text(String),
    NullableInt(Option<i64>),
    NullableText(Option<String>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Value::NullableInt(v)
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Value::NullableText(v)
    }
}

/// Inserts `rows` into `table` with as few statements as the parameter
/// limits allow, on the caller's connection or transaction (so the caller
/// decides what commits together). Returns the number of rows inserted.
pub async fn insert_many(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
) -> Result<u64, sqlx::Error> {
    let mut inserted = 0;
    for chunk in rows.chunks(rows_per_statement(columns.len())) {
        let sql = insert_sql(table, columns, chunk.len());
        let mut query = sqlx::query(&sql);
        for row in chunk {
            debug_assert_eq!(row.len(), columns.len(), "row width differs from columns");
            for value in row {
                query = match value {
                    Value::Int(v) => query.bind(*v),
                    Value::Text(v) => query.bind(v.as_str()),
                    Value::NullableInt(v) => query.bind(*v),
                    Value::NullableText(v) => query.bind(v.as_deref()),
                };
            }
        }
        inserted += query.execute(&mut *conn).await?.rows_affected();
    }
    Ok(inserted)
}

/// Binds `values` to `query` in order (for statements whose conditions are
/// built from a request's filters).
pub fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    values: &'q [Value],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for value in values {
        query = match value {
            Value::Int(v) => query.bind(*v),
            Value::Text(v) => query.bind(v.as_str()),
            Value::NullableInt(v) => query.bind(*v),
            Value::NullableText(v) => query.bind(v.as_deref()),
        };
    }
    query
}

/// The type a column of [`json_rows`] is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonCol {
    Int,
    Text,
}

/// `SELECT c0, c1, … FROM` the rows of a JSON array of arrays bound as
/// parameter `$param`: many rows in one statement with one parameter (bulk
/// ingest). Binding thousands of parameters costs more than the insert on
/// SQLite (each bind looks its parameter's name up); one JSON text does
/// not. The one place the dialects part: `json_each` and `->>` on SQLite,
/// `json_array_elements` and casts on PostgreSQL.
pub fn json_rows(backend: crate::store::Backend, param: usize, cols: &[JsonCol]) -> String {
    use crate::store::Backend;
    let list = cols
        .iter()
        .enumerate()
        .map(|(i, col)| match (backend, col) {
            (Backend::Sqlite, _) => format!("value ->> {i} AS c{i}"),
            (Backend::Postgres, JsonCol::Int) => format!("(e ->> {i})::bigint AS c{i}"),
            (Backend::Postgres, JsonCol::Text) => format!("e ->> {i} AS c{i}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    match backend {
        Backend::Sqlite => format!("SELECT {list} FROM json_each(${param})"),
        Backend::Postgres => format!("SELECT {list} FROM json_array_elements(${param}::json) AS e"),
    }
}
