//! The machine API, `/api/v1` (../shared/API.md is the contract): bearer
//! tokens and scopes, the ingest endpoints, and the OpenAPI document.
//!
//! Every handler asks the policy first ([`authorized`]): the token names a
//! client, the client's scopes name what it may do. A browser session never
//! authorizes these routes (they never read it), and a token never
//! authorizes a page (pages read only the session).

use app::admin::clients::store::{self as clients, Refusal};
use app::fleet::ingest::{
    self, BatchAnswer, BatchError, CameraPlacement, FootageSegmentIn, Framing, HeartbeatIn,
    HeartbeatStatus, Rejection, Sender,
};
use app::identity::ClientAddr;
use app::policy::{act, authorize, ActionKind, Object, Permit};
use app::state::AppState;
use app::tracking::ingest::Channel;
use app::tracking::{osmand, PingIn, PingSource};
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Extension;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::OpenApi;

/// The body of every refusal: what went wrong, in a sentence.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiError {
    pub error: String,
}

fn refuse(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(ApiError {
            error: message.into(),
        }),
    )
        .into_response()
}

/// `/api/v1`'s routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/ingest/pings", post(ingest_pings))
        .route("/api/v1/osmand", get(osmand_header).post(osmand_header))
        .route("/api/v1/osmand/{token}", get(osmand_path).post(osmand_path))
        .route("/api/v1/ingest/footage", post(ingest_footage))
        .route("/api/v1/ingest/heartbeats", post(ingest_heartbeats))
        .route("/api/v1/openapi.json", get(openapi_json))
}

/// Whether `path` is the machine API's (no session, no same-origin rule,
/// its own body limit).
pub fn is_machine_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// The client behind the request's bearer token, allowed `action` by the
/// policy; or the refusal, counted.
async fn authorized<A: ActionKind>(
    state: &AppState,
    headers: &HeaderMap,
    ip: &str,
    action: A,
) -> Result<Permit<A>, Response> {
    let token = clients::bearer_token(
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    );
    authorized_token(state, token, ip, action).await
}

/// As [`authorized`], for a token that came some other way (in the path,
/// for trackers that cannot send headers).
async fn authorized_token<A: ActionKind>(
    state: &AppState,
    token: Option<&str>,
    ip: &str,
    action: A,
) -> Result<Permit<A>, Response> {
    let ip = ip.to_string();
    let principal = match clients::authenticate(&state.db, token).await {
        Ok(Ok(principal)) => principal,
        Ok(Err((refusal, client))) => {
            clients::count_refusal(&state.db, refusal, client, &ip).await;
            return Err(refuse(refusal.status(), refusal.message()));
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot check an API token");
            return Err(refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer; try again",
            ));
        }
    };
    match authorize(&principal, action, Object::Any) {
        Ok(permit) => Ok(permit),
        Err(_) => {
            let client = principal.api_client_id();
            clients::count_refusal(&state.db, Refusal::Scope, client, &ip).await;
            Err(refuse(Refusal::Scope.status(), Refusal::Scope.message()))
        }
    }
}

fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

/// How long a batch waits for one of its route's slots before it is
/// answered 503 (nothing stored; the client sends it again).
const SLOT_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// One of the route's upload slots ([`app::state::UploadSlots`]), waited for
/// a while; the body is read only once it is held.
async fn upload_slot(
    slots: &std::sync::Arc<tokio::sync::Semaphore>,
) -> Result<tokio::sync::OwnedSemaphorePermit, Response> {
    match tokio::time::timeout(SLOT_WAIT, slots.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => {
            let mut refusal = refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "too many batches are being received at once: nothing of this one was stored; send it again in a few seconds",
            );
            refusal
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
            Err(refusal)
        }
    }
}

/// The batch's body, read once the sender is known to be allowed.
async fn read_body(body: Body) -> Result<Bytes, Response> {
    axum::body::to_bytes(body, ingest::MAX_BATCH_BYTES)
        .await
        .map_err(|_| {
            refuse(
                StatusCode::PAYLOAD_TOO_LARGE,
                "the body is over 16 MiB, or was cut off",
            )
        })
}

/// A batch, received: the sender allowed `action` by the policy (the
/// token first: the body of a request that may not send is never read),
/// one of the route's slots held, the body read and its framing.
async fn receive_batch<A: ActionKind>(
    state: &AppState,
    headers: &HeaderMap,
    ip: &str,
    action: A,
    slots: &std::sync::Arc<tokio::sync::Semaphore>,
    body: Body,
) -> Result<(Permit<A>, Bytes, Framing, tokio::sync::OwnedSemaphorePermit), Response> {
    let permit = authorized(state, headers, ip, action).await?;
    let slot = upload_slot(slots).await?;
    let body = read_body(body).await?;
    let framing = Framing::of(content_type(headers), &body);
    Ok((permit, body, framing, slot))
}

fn answer(result: Result<BatchAnswer, BatchError>) -> Response {
    match result {
        Ok(answer) => (StatusCode::OK, Json(answer)).into_response(),
        Err(BatchError::BadBody(message)) => refuse(StatusCode::BAD_REQUEST, message),
        Err(BatchError::TooManyRecords) => refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the batch holds more than {} records: nothing of it was stored; send it in smaller batches",
                ingest::MAX_BATCH_RECORDS
            ),
        ),
        Err(BatchError::Unavailable) => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "the store failed: nothing of this batch was stored; send it again",
        ),
    }
}

/// Badge pings, as a JSON array or NDJSON.
#[utoipa::path(
    post,
    path = "/api/v1/ingest/pings",
    tag = "ingest",
    request_body(
        description = "A JSON array of pings, or one ping per line (NDJSON). At most 16 MiB and 50,000 records.",
        content((Vec<PingIn> = "application/json"), (PingIn = "application/x-ndjson"))
    ),
    responses(
        (status = 200, description = "Judged record by record: valid records stored in one transaction", body = BatchAnswer),
        (status = 400, description = "The body is neither JSON nor NDJSON", body = ApiError),
        (status = 401, description = "Missing or unknown token", body = ApiError),
        (status = 403, description = "The client lacks pings:write, or is disabled", body = ApiError),
        (status = 413, description = "The body is over 16 MiB, or holds more than 50,000 records: nothing of it was stored", body = ApiError),
        (status = 503, description = "The store failed, or too many batches were arriving at once (Retry-After): nothing of the batch was stored", body = ApiError),
    ),
    security(("bearer" = ["pings:write"]))
)]
pub async fn ingest_pings(
    State(state): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let ip = client.to_string();
    let (permit, body, framing, _slot) = match receive_batch(
        &state,
        &headers,
        &ip,
        act::IngestPings,
        &state.uploads.pings,
        body,
    )
    .await
    {
        Ok(received) => received,
        Err(refusal) => return refusal,
    };
    let sender = Sender {
        actor: &permit,
        ip: &ip,
        late_after_ms: state.late_footage_ms,
    };
    answer(app::tracking::ingest::ingest_pings(&state.db, &sender, body, framing).await)
}

/// The OsmAnd parameters, for the document (query string or form body).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct OsmandParams {
    /// The badge chip id (`deviceid` is taken too).
    id: String,
    /// Degrees, -90..90 (or `location=lat,lon`).
    lat: f64,
    /// Degrees, -180..180.
    lon: f64,
    /// Unix seconds, unix milliseconds, or RFC 3339.
    timestamp: String,
    /// Metres, 0 or more.
    accuracy: Option<f64>,
    /// Knots, as the protocol sends it (kept in m/s).
    speed: Option<f64>,
    /// Degrees clockwise from north, 0..360 (`heading` is taken too).
    bearing: Option<f64>,
    /// Metres.
    altitude: Option<f64>,
    /// Battery, per cent.
    batt: Option<f64>,
    /// The phone's own position was replaced (true or false).
    mock: Option<bool>,
}

/// Traccar Client's JSON form (for the document).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct OsmandJson {
    /// The badge chip id.
    device_id: String,
    location: OsmandLocation,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct OsmandLocation {
    /// RFC 3339, unix seconds or unix milliseconds.
    timestamp: String,
    coords: OsmandCoords,
    battery: Option<OsmandBattery>,
    /// The phone's own position was replaced.
    mock: Option<bool>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct OsmandCoords {
    latitude: f64,
    longitude: f64,
    /// Metres; -1 for not known.
    accuracy: Option<f64>,
    /// Metres per second; -1 for not known.
    speed: Option<f64>,
    /// Degrees; -1 for not known.
    heading: Option<f64>,
    altitude: Option<f64>,
}

#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct OsmandBattery {
    /// 0..1; -1 for not known.
    level: Option<f64>,
    is_charging: Option<bool>,
}

/// One position from an OsmAnd-protocol tracker (Traccar Client and
/// others), token in the `Authorization: Bearer` header.
#[utoipa::path(
    post,
    path = "/api/v1/osmand",
    tag = "ingest",
    params(OsmandParams),
    request_body(
        description = "Nothing (the parameters in the query string), the parameters as a form body, or Traccar Client's JSON: {\"device_id\": …, \"location\": {\"timestamp\": …, \"coords\": {\"latitude\", \"longitude\", \"accuracy\", \"speed\" (m/s), \"heading\", \"altitude\"}, \"battery\": {\"level\" (0..1)}, \"mock\"}}",
        content((String = "application/x-www-form-urlencoded"), (OsmandJson = "application/json"))
    ),
    responses(
        (status = 200, description = "Stored, or stored already (a duplicate): an empty body"),
        (status = 400, description = "Not a position, or a field's value is wrong (the reason names the field), or an integrity conflict (audited)", body = ApiError),
        (status = 401, description = "Missing or unknown token", body = ApiError),
        (status = 403, description = "The client lacks pings:write, or is disabled", body = ApiError),
        (status = 503, description = "The store failed: nothing was stored", body = ApiError),
    ),
    security(("bearer" = ["pings:write"]))
)]
pub async fn osmand_header(
    State(state): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let ip = client.to_string();
    match authorized(&state, &headers, &ip, act::IngestPings).await {
        Ok(permit) => osmand(&state, &permit, &ip, query, &headers, body).await,
        Err(refusal) => refusal,
    }
}

/// The same, for trackers that cannot send headers: the token is the last
/// part of the path. GET with the query string works as POST does.
#[utoipa::path(
    post,
    path = "/api/v1/osmand/{token}",
    tag = "ingest",
    params(("token" = String, Path, description = "The API client's token"), OsmandParams),
    responses(
        (status = 200, description = "Stored, or stored already (a duplicate): an empty body"),
        (status = 400, description = "Not a position, or a field's value is wrong (the reason names the field), or an integrity conflict (audited)", body = ApiError),
        (status = 401, description = "Unknown token", body = ApiError),
        (status = 403, description = "The client lacks pings:write, or is disabled", body = ApiError),
        (status = 503, description = "The store failed: nothing was stored", body = ApiError),
    )
)]
pub async fn osmand_path(
    State(state): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    Path(token): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let ip = client.to_string();
    match authorized_token(
        &state,
        Some(token.trim()).filter(|t| !t.is_empty()),
        &ip,
        act::IngestPings,
    )
    .await
    {
        Ok(permit) => osmand(&state, &permit, &ip, query, &headers, body).await,
        Err(refusal) => refusal,
    }
}

async fn osmand(
    state: &AppState,
    permit: &Permit<act::IngestPings>,
    ip: &str,
    query: Option<String>,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let Ok(body) = axum::body::to_bytes(body, osmand::MAX_BODY_BYTES).await else {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "the body is over 64 KiB: a tracker sends one position",
        );
    };
    let now = app::time::now_ms();
    let (form, ping) = match osmand::read(query.as_deref(), content_type(headers), &body, now) {
        Ok(read) => read,
        Err(reason) => return refuse(StatusCode::BAD_REQUEST, reason),
    };
    let sender = Sender {
        actor: permit,
        ip,
        late_after_ms: state.late_footage_ms,
    };
    let channel = Channel::Osmand {
        chip_field: form.chip_field(),
    };
    match app::tracking::ingest::store_checked(
        &state.db,
        &sender,
        BatchAnswer::default(),
        vec![(0, ping)],
        channel,
        now,
    )
    .await
    {
        Ok(answer) => match answer.rejected.first() {
            None => StatusCode::OK.into_response(),
            Some(rejection) => refuse(StatusCode::BAD_REQUEST, rejection.error.clone()),
        },
        Err(e) => answer(Err(e)),
    }
}

/// Footage-segment references, as a JSON array or NDJSON.
#[utoipa::path(
    post,
    path = "/api/v1/ingest/footage",
    tag = "ingest",
    request_body(
        description = "A JSON array of segments, or one segment per line (NDJSON). At most 16 MiB and 50,000 records.",
        content((Vec<FootageSegmentIn> = "application/json"), (FootageSegmentIn = "application/x-ndjson"))
    ),
    responses(
        (status = 200, description = "Judged record by record: valid records stored in one transaction", body = BatchAnswer),
        (status = 400, description = "The body is neither JSON nor NDJSON", body = ApiError),
        (status = 401, description = "Missing or unknown token", body = ApiError),
        (status = 403, description = "The client lacks footage:write, or is disabled", body = ApiError),
        (status = 413, description = "The body is over 16 MiB, or holds more than 50,000 records: nothing of it was stored", body = ApiError),
        (status = 503, description = "The store failed, or too many batches were arriving at once (Retry-After): nothing of the batch was stored", body = ApiError),
    ),
    security(("bearer" = ["footage:write"]))
)]
pub async fn ingest_footage(
    State(state): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let ip = client.to_string();
    let (permit, body, framing, _slot) = match receive_batch(
        &state,
        &headers,
        &ip,
        act::IngestFootage,
        &state.uploads.footage,
        body,
    )
    .await
    {
        Ok(received) => received,
        Err(refusal) => return refusal,
    };
    let sender = Sender {
        actor: &permit,
        ip: &ip,
        late_after_ms: state.late_footage_ms,
    };
    answer(ingest::ingest_footage(&state.db, &sender, body, framing).await)
}

/// Camera heartbeats, as a JSON array or NDJSON.
#[utoipa::path(
    post,
    path = "/api/v1/ingest/heartbeats",
    tag = "ingest",
    request_body(
        description = "A JSON array of heartbeats, or one heartbeat per line (NDJSON). At most 16 MiB and 50,000 records.",
        content((Vec<HeartbeatIn> = "application/json"), (HeartbeatIn = "application/x-ndjson"))
    ),
    responses(
        (status = 200, description = "Judged record by record: valid records stored in one transaction", body = BatchAnswer),
        (status = 400, description = "The body is neither JSON nor NDJSON", body = ApiError),
        (status = 401, description = "Missing or unknown token", body = ApiError),
        (status = 403, description = "The client lacks health:write, or is disabled", body = ApiError),
        (status = 413, description = "The body is over 16 MiB, or holds more than 50,000 records: nothing of it was stored", body = ApiError),
        (status = 503, description = "The store failed, or too many batches were arriving at once (Retry-After): nothing of the batch was stored", body = ApiError),
    ),
    security(("bearer" = ["health:write"]))
)]
pub async fn ingest_heartbeats(
    State(state): State<AppState>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let ip = client.to_string();
    let (permit, body, framing, _slot) = match receive_batch(
        &state,
        &headers,
        &ip,
        act::IngestHeartbeats,
        &state.uploads.heartbeats,
        body,
    )
    .await
    {
        Ok(received) => received,
        Err(refusal) => return refusal,
    };
    let sender = Sender {
        actor: &permit,
        ip: &ip,
        late_after_ms: state.late_footage_ms,
    };
    answer(ingest::ingest_heartbeats(&state.db, &sender, body, framing).await)
}

/// The bearer-token scheme of the document.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The machine API as OpenAPI 3, from the handlers and their types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vigía machine API",
        version = "1",
        description = "How the camera control center and the badge network feed Vigía. \
            Every request carries Authorization: Bearer <token> of an API client whose scopes allow the endpoint."
    ),
    paths(ingest_pings, osmand_header, osmand_path, ingest_footage, ingest_heartbeats),
    components(schemas(PingIn, PingSource, OsmandJson, OsmandLocation, OsmandCoords, OsmandBattery, FootageSegmentIn, HeartbeatIn, BatchAnswer, Rejection, CameraPlacement, HeartbeatStatus, ApiError)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json`: public, like the contract it describes.
pub async fn openapi_json() -> Response {
    match ApiDoc::openapi().to_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot write the OpenAPI document");
            refuse(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}
