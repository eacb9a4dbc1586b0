//! Web security for every response and every state-changing request:
//! same-origin writes, security headers, bounded bodies.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// What the checks need to know.
#[derive(Clone, Debug)]
pub struct SecurityConfig {
    /// The public address (scheme://host[:port]), when behind a proxy.
    pub public_origin: Option<String>,
    /// Hosts a state-changing request may be addressed to (no port).
    pub allowed_hosts: Vec<String>,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Served over https: every answer says so (HSTS), and browsers keep
    /// to https for a year.
    pub https: bool,
}

/// Request bodies larger than this are refused (`413`) outside the
/// machine API.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The policy for responses that are not pages (server functions, files).
const CSP_NOT_A_PAGE: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Refuses cross-site writes and adds the security headers.
pub async fn middleware(
    State(config): State<SecurityConfig>,
    req: Request,
    next: Next,
) -> Response {
    let mut req = req;
    // Who is asking, as the audit trail records it.
    if let Some(peer) = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
    {
        let client = client_address(peer, req.headers(), &config.trusted_proxies);
        req.extensions_mut()
            .insert(app::identity::ClientAddr(client));
    }
    let state_changing = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The machine API is called by machines with a bearer token, which a
    // browser never sends on its own: no cross-site forgery to stop there.
    let machine = crate::api::is_machine_api(req.uri().path());
    if state_changing && !machine && !allowed_host(req.headers(), &config.allowed_hosts) {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        tracing::warn!(%host, path = %req.uri().path(), "request to a host that is not Vigía's refused");
        return (
            StatusCode::FORBIDDEN,
            format!(
                "host {host:?} is not one of Vigía's addresses: the administrator can add it to VIGIA_ALLOWED_HOSTS"
            ),
        )
            .into_response();
    }
    if state_changing && !machine && !same_origin(req.headers(), config.public_origin.as_deref()) {
        tracing::warn!(path = %req.uri().path(), "cross-site request refused");
        return (
            StatusCode::FORBIDDEN,
            "cross-site request refused: state-changing requests must come from Vigía's own pages",
        )
            .into_response();
    }
    let is_static = req.uri().path().starts_with("/pkg/") || req.uri().path() == "/favicon.svg";
    let mut res = next.run(req).await;
    let headers = res.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // `same-origin`, not `no-referrer`: nothing leaves for other sites,
    // and a form the browser submits itself (before the page has
    // hydrated) still carries our Origin; under `no-referrer` browsers send
    // `Origin: null` and the same-origin check refused the form.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if config.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP_NOT_A_PAGE),
        );
    }
    if !is_static {
        // Pages and answers may carry what only the signed-in person may see.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The client: the peer, unless the peer is a trusted proxy; then the
/// nearest address in `X-Forwarded-For` that is not one of the trusted
/// proxies (what a client writes further left could be anything).
pub fn client_address(
    peer: std::net::IpAddr,
    headers: &HeaderMap,
    trusted: &[ipnet::IpNet],
) -> std::net::IpAddr {
    let is_trusted = |ip: &std::net::IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .copied()
        .unwrap_or(peer)
}

/// Whether the request's Host is one of Vigía's names (any port).
fn allowed_host(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = crate::config::host_of(&format!("http://{host}")).unwrap_or_default();
    allowed.contains(&name)
}

/// Whether the request's Origin (or, lacking it, Referer) is this server.
fn same_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let claimed = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            headers
                .get(header::REFERER)
                .and_then(|r| r.to_str().ok())
                .and_then(origin_of)
        });
    let Some(claimed) = claimed else {
        return false;
    };
    let claimed = claimed.trim_end_matches('/');
    claimed == format!("http://{host}")
        || claimed == format!("https://{host}")
        || public_origin.is_some_and(|p| claimed == p.trim_end_matches('/'))
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?;
    Some(format!("{scheme}://{authority}"))
}

/// The import page's upload endpoint.
const IMPORT_PATH: &str = "/rpc/import_records";
const DOCUMENT_PATH: &str = "/rpc/upload_case_document";

/// The most any case document may weigh (`VIGIA_DOCUMENT_MAX_MB` at most
/// 2,048): the configured limit is checked, and named, as the file streams.
const MAX_DOCUMENT_BODY: usize = 2_048 * 1024 * 1024 + 64 * 1024;

fn is_multipart_with_boundary(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| multer::parse_boundary(ct).is_ok())
}

/// The most a request body may hold on `path`: 1 MiB, except for the CSV
/// import (whole files of officer records) and the machine API's batches.
pub fn body_limit_for(path: &str) -> usize {
    if path == IMPORT_PATH {
        // The file's own limit is checked, and named, as it streams in;
        // this leaves room for the form around it.
        app::officers::import::MAX_IMPORT_BYTES + 64 * 1024
    } else if path == DOCUMENT_PATH {
        MAX_DOCUMENT_BODY
    } else if crate::api::is_machine_api(path) {
        app::fleet::ingest::MAX_BATCH_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// Refuses (`413`) a body declared larger than its path's limit, and cuts
/// off one that turns out larger while it is read.
pub async fn limit_body(req: Request, next: Next) -> Response {
    let limit = body_limit_for(req.uri().path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {limit} bytes"),
        )
            .into_response();
    }
    if (req.uri().path() == DOCUMENT_PATH) && !is_multipart_with_boundary(req.headers()) {
        return (
            StatusCode::BAD_REQUEST,
            "send the document as a multipart form (multipart/form-data with a boundary): number, reason, then file",
        )
            .into_response();
    }
    if req.uri().path() == IMPORT_PATH && !is_multipart_with_boundary(req.headers()) {
        // server_fn's multipart reader cannot take a request without a
        // boundary: refused here, with the reason.
        return (
            StatusCode::BAD_REQUEST,
            "send the file as a multipart form (multipart/form-data with a boundary): kind, then file",
        )
            .into_response();
    }
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(Request::from_parts(parts, body)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_peer_unless_a_trusted_proxy_forwards_for_it() {
        let trusted: Vec<ipnet::IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let forwarded = headers(&[("x-forwarded-for", "198.51.100.1, 203.0.113.9, 10.0.0.2")]);
        // A trusted proxy: the nearest address it did not add itself.
        assert_eq!(
            client_address(ip("10.0.0.5"), &forwarded, &trusted),
            ip("203.0.113.9")
        );
        // Anyone else's header is ignored.
        assert_eq!(
            client_address(ip("192.0.2.4"), &forwarded, &trusted),
            ip("192.0.2.4")
        );
        assert_eq!(
            client_address(ip("10.0.0.5"), &forwarded, &[]),
            ip("10.0.0.5")
        );
        assert_eq!(
            client_address(ip("10.0.0.5"), &headers(&[]), &trusted),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn only_our_host_names_are_allowed() {
        let allowed = vec![
            "127.0.0.1".to_string(),
            "vigia.gt".to_string(),
            "::1".to_string(),
        ];
        assert!(allowed_host(
            &headers(&[("host", "127.0.0.1:3000")]),
            &allowed
        ));
        assert!(allowed_host(&headers(&[("host", "VIGIA.gt")]), &allowed));
        assert!(allowed_host(&headers(&[("host", "[::1]:3000")]), &allowed));
        assert!(!allowed_host(
            &headers(&[("host", "rebound.example:3000")]),
            &allowed
        ));
        assert!(!allowed_host(&headers(&[]), &allowed));
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn only_the_own_origin_may_write() {
        let own = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
        ]);
        assert!(same_origin(&own, None));
        let evil = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "https://evil.example"),
        ]);
        assert!(!same_origin(&evil, None));
        let referer = headers(&[
            ("host", "vigia.gt"),
            ("referer", "https://vigia.gt/accounts"),
        ]);
        assert!(same_origin(&referer, None));
        let neither = headers(&[("host", "vigia.gt")]);
        assert!(!same_origin(&neither, None));
        let proxied = headers(&[("host", "10.0.0.5:3000"), ("origin", "https://vigia.gt")]);
        assert!(same_origin(&proxied, Some("https://vigia.gt")));
    }
}
