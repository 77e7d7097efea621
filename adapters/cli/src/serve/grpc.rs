//! Envoy's gRPC ext_authz (`envoy.service.auth.v3.Authorization/Check`), on `--grpc-listen`.
//!
//! The same verdict as HTTP `/auth`, from the same `Verifier::authorize`: OK with
//! `x-auth-sub`/`x-auth-role` added to the upstream request, or a denial carrying the catalog's
//! status (401/503) and JSON body, with `WWW-Authenticate` or `Retry-After`, for Envoy to
//! send to the client. Only the request's `authorization` header is read.

use std::future::Future;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};
use envoy_types::ext_authz::v3::pb::{
    Authorization, AuthorizationServer, CheckRequest, CheckResponse, HttpStatusCode,
};
use envoy_types::ext_authz::v3::{
    CheckRequestExt as _, CheckResponseExt as _, DeniedHttpResponseBuilder, OkHttpResponseBuilder,
};
use jwtgate::Error;
use jwtgate_std::{AuthError, Verifier, error_body};
use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

/// Concurrent calls on one HTTP/2 connection (Envoy multiplexes its checks).
const CALLS_PER_CONNECTION: usize = 256;

/// Serves `Check` on `listener` until `shutdown` completes; every call is bounded by
/// `request_timeout` (zero: unbounded).
///
/// # Errors
/// The server failed.
pub(super) async fn serve(
    listener: TcpListener,
    verifier: Verifier,
    request_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) -> Result<(), tonic::transport::Error> {
    let mut server = tonic::transport::Server::builder()
        .concurrency_limit_per_connection(CALLS_PER_CONNECTION)
        .http2_keepalive_interval(Some(Duration::from_secs(30)))
        .http2_keepalive_timeout(Some(Duration::from_secs(10)));
    if !request_timeout.is_zero() {
        server = server.timeout(request_timeout);
    }
    server
        .add_service(AuthorizationServer::new(Authz { verifier }))
        .serve_with_incoming_shutdown(TcpIncoming::from(listener), shutdown)
        .await
}

struct Authz {
    verifier: Verifier,
}

#[tonic::async_trait]
impl Authorization for Authz {
    async fn check(
        &self,
        request: Request<CheckRequest>,
    ) -> Result<Response<CheckResponse>, Status> {
        let headers = authorization_of(request.get_ref());
        let response = match self.verifier.authorize(&headers).await {
            Ok(claims) => {
                let mut ok = OkHttpResponseBuilder::new();
                for (name, value) in [("x-auth-sub", &claims.sub), ("x-auth-role", &claims.role)] {
                    // A claim that cannot be a header value is left out, as on HTTP.
                    if let Some(value) = value
                        .as_deref()
                        .filter(|v| HeaderValue::from_str(v).is_ok())
                    {
                        ok.add_header(name, value, None, false);
                    }
                }
                let mut response = CheckResponse::with_status(Status::ok("authorized"));
                response.set_http_response(ok.build());
                response
            }
            Err(denied) => denial(denied),
        };
        Ok(Response::new(response))
    }
}

/// The check's `authorization` header, as the HTTP route would see it. Envoy sends headers
/// lower-cased, in `headers` (or only in `header_map` with `encode_raw_headers`).
fn authorization_of(request: &CheckRequest) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let plain = request
        .get_client_headers()
        .and_then(|h| h.get(header::AUTHORIZATION.as_str()))
        .map(|v| v.as_bytes().to_vec());
    let raw = || {
        let http = request
            .attributes
            .as_ref()?
            .request
            .as_ref()?
            .http
            .as_ref()?;
        http.header_map
            .as_ref()?
            .headers
            .iter()
            .find(|h| h.key.eq_ignore_ascii_case(header::AUTHORIZATION.as_str()))
            .map(|h| {
                if h.raw_value.is_empty() {
                    h.value.as_bytes().to_vec()
                } else {
                    h.raw_value.clone()
                }
            })
    };
    if let Some(value) = plain.or_else(raw)
        && let Ok(value) = HeaderValue::from_bytes(&value)
    {
        headers.insert(header::AUTHORIZATION, value);
    }
    headers
}

/// A denial Envoy answers the client with: the catalog's status, JSON body and headers.
fn denial(denied: AuthError) -> CheckResponse {
    let error = denied.error;
    let mut http = DeniedHttpResponseBuilder::new();
    http.set_http_status(http_status(error))
        .add_header("content-type", "application/json", None, false)
        .set_body(error_body(error));
    if error.retryable() {
        http.add_header(
            "retry-after",
            denied.retry_after.max(1).to_string(),
            None,
            false,
        );
    } else {
        http.add_header("www-authenticate", "Bearer", None, false);
    }
    let status = if error.retryable() {
        Status::unavailable(error.code())
    } else {
        Status::unauthenticated(error.code())
    };
    let mut response = CheckResponse::with_status(status);
    response.set_http_response(http.build());
    response
}

fn http_status(error: Error) -> HttpStatusCode {
    match error.http_status() {
        503 => HttpStatusCode::ServiceUnavailable,
        _ => HttpStatusCode::Unauthorized,
    }
}
