//! The routes of `jwtgate serve`. `/auth` answers forward-auth requests whatever their method
//! and path below it: nginx `auth_request` and Traefik send `GET /auth`, Caddy
//! `forward_auth` the client's method, Envoy's HTTP ext_authz the original method and path
//! behind its `path_prefix`.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use jwtgate_std::Verifier;
use jwtgate_std::dev_issuer::DevIssuer;

#[derive(Clone)]
struct App {
    verifier: Verifier,
    dev: Option<DevIssuer>,
}

/// Every route; `/dev/token` only with the development issuer.
pub(super) fn router(verifier: Verifier, dev: Option<DevIssuer>) -> Router {
    let mut router = Router::new()
        .route("/auth", any(auth))
        .route("/auth/", any(auth))
        .route("/auth/{*path}", any(auth))
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz));
    if dev.is_some() {
        router = router.route("/dev/token", get(dev_token));
    }
    router.with_state(App { verifier, dev })
}

/// `/auth` and everything below it, any method: 200 with `X-Auth-Sub`/`X-Auth-Role`, or the
/// catalog error as JSON. Only the `Authorization` header is read.
async fn auth(State(app): State<App>, headers: HeaderMap) -> Response {
    // `authorize` answers a token seen before from the verified-token cache.
    match app.verifier.authorize(&headers).await {
        Ok(claims) => {
            let mut response = StatusCode::OK.into_response();
            for (name, value) in [("x-auth-sub", &claims.sub), ("x-auth-role", &claims.role)] {
                // A claim that cannot be a header value is left out.
                if let Some(value) = value.as_deref().and_then(|v| HeaderValue::from_str(v).ok()) {
                    response.headers_mut().insert(name, value);
                }
            }
            response
        }
        Err(e) => e.into_response(),
    }
}

async fn metrics(State(app): State<App>) -> Response {
    let content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    (
        [(header::CONTENT_TYPE, content_type)],
        app.verifier.encode_metrics(),
    )
        .into_response()
}

/// `GET /readyz`: 200 once a key set is loaded (fresh or stale-if-error), else 503.
async fn readyz(State(app): State<App>) -> Response {
    if app.verifier.is_ready() {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "no key set loaded\n").into_response()
    }
}

/// `GET /dev/token` (development issuer only): a fresh valid token, valid for an hour.
async fn dev_token(State(app): State<App>) -> Response {
    match &app.dev {
        Some(dev) => format!("{}\n", dev.mint(Duration::from_secs(3600))).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
