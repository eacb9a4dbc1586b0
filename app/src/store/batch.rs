//! Many-row statements that run unchanged on both backends: a chunk of
//! rows travels as one JSON parameter.

/// One value of a row for [`insert_many`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Text(String),
    NullableInt(Option<i64>),
    NullableText(Option<String>),
}

/// A typed id goes in as its number.
macro_rules! id_values {
    ($($id:ty),+) => {$(
        impl From<$id> for Value {
            fn from(id: $id) -> Value {
                id.0.into()
            }
        }
    )+};
}

id_values!(
    crate::ids::OfficerId,
    crate::ids::VehicleId,
    crate::ids::UnitId,
    crate::ids::CameraId
);

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

/// Inserts `rows` into `table`, each chunk of them in one statement with
/// one parameter (a JSON array, read back by [`json_rows`]), on the
/// caller's connection or transaction (so the caller decides what commits
/// together). Returns the number of rows inserted.
pub async fn insert_many(
    conn: &mut sqlx::AnyConnection,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Value>],
) -> Result<u64, sqlx::Error> {
    let Some(first) = rows.first() else {
        return Ok(0);
    };
    let backend = if conn.backend_name().eq_ignore_ascii_case("sqlite") {
        crate::store::Backend::Sqlite
    } else {
        crate::store::Backend::Postgres
    };
    let kinds: Vec<JsonCol> = first
        .iter()
        .map(|v| match v {
            Value::Int(_) | Value::NullableInt(_) => JsonCol::Int,
            Value::Text(_) | Value::NullableText(_) => JsonCol::Text,
        })
        .collect();
    let sql = format!(
        "INSERT INTO {table} ({}) SELECT {} FROM ({}) AS r",
        columns.join(", "),
        (0..columns.len())
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(", "),
        json_rows(backend, 1, &kinds)
    );
    let mut inserted = 0;
    for chunk in rows.chunks(ROWS_PER_JSON_STATEMENT) {
        let json: Vec<Vec<serde_json::Value>> = chunk
            .iter()
            .map(|row| {
                debug_assert_eq!(row.len(), columns.len(), "row width differs from columns");
                row.iter()
                    .map(|v| match v {
                        Value::Int(v) => serde_json::Value::from(*v),
                        Value::Text(v) => serde_json::Value::from(v.as_str()),
                        Value::NullableInt(v) => serde_json::Value::from(*v),
                        Value::NullableText(v) => serde_json::Value::from(v.as_deref()),
                    })
                    .collect()
            })
            .collect();
        let text = serde_json::to_string(&json).expect("plain values always serialize");
        inserted += sqlx::query(&sql)
            .bind(text)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(inserted)
}

/// Rows a statement of [`insert_many`] carries: enough that statements are
/// few, few enough that one chunk's JSON stays a few megabytes.
const ROWS_PER_JSON_STATEMENT: usize = 10_000;

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
    /// A floating-point number (JSON numbers are read as double precision).
    Real,
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
            (Backend::Postgres, JsonCol::Real) => format!("(e ->> {i})::double precision AS c{i}"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    match backend {
        Backend::Sqlite => format!("SELECT {list} FROM json_each(${param})"),
        Backend::Postgres => format!("SELECT {list} FROM json_array_elements(${param}::json) AS e"),
    }
}

/// The rows of `select` — whose columns are named `c0`, `c1`, … — fetched
/// as one JSON text and parsed here: thousands of rows in one value.
/// sqlx's SQLite driver hands every row from its worker thread to the
/// caller through a channel (a thread wake-up a row), which costs more
/// than the query itself when a report reads tens of thousands of small
/// rows. The order of the rows is not kept: sort them. The one place the
/// dialects part: `json_group_array` on SQLite, `json_agg` on PostgreSQL.
pub async fn fetch_packed<T: serde::de::DeserializeOwned>(
    conn: &mut sqlx::AnyConnection,
    backend: crate::store::Backend,
    select: &str,
    cols: usize,
    binds: &[Value],
) -> Result<Vec<T>, sqlx::Error> {
    use crate::store::Backend;
    use sqlx::Row;
    let list = (0..cols)
        .map(|i| format!("p.c{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = match backend {
        Backend::Sqlite => {
            format!("SELECT json_group_array(json_array({list})) FROM ({select}) AS p")
        }
        Backend::Postgres => format!(
            "SELECT COALESCE(json_agg(json_build_array({list})), '[]')::text FROM ({select}) AS p"
        ),
    };
    let row = bind_all(sqlx::query(&sql), binds)
        .fetch_one(&mut *conn)
        .await?;
    let text: String = row.try_get(0)?;
    serde_json::from_str(&text).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}
