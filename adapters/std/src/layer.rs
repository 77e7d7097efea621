//! A tower [`Layer`] and an axum extractor: verified claims in request extensions, failures
//! answered with the catalog's JSON body and status (and `Retry-After` on 503).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, HeaderValue, Request, Response, StatusCode, header, request::Parts};
use axum::response::IntoResponse;
use jwtgate::Error;
use tower::{Layer, Service};

use crate::claims::AuthClaims;
use crate::verifier::{DEFAULT_MAX_TOKEN_LEN, Verifier};

/// An error answered as JSON: `{"valid":false,"code":…,"status":…,"retryable":…,"message":…}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthError {
    /// The catalog error.
    pub error: Error,
    /// Seconds for `Retry-After` on 503 answers.
    pub retry_after: u64,
}

/// The JSON body jwtgate answers a rejected token with (the same shape as `jwtgate verify`).
pub fn error_body(error: Error) -> String {
    // Written by hand to keep the contract's member order; every value is a catalog constant.
    format!(
        r#"{{"valid":false,"code":{},"status":{},"retryable":{},"message":{}}}"#,
        serde_json::Value::from(error.code()),
        error.http_status(),
        error.retryable(),
        serde_json::Value::from(error.message()),
    )
}

impl IntoResponse for AuthError {
    fn into_response(self) -> axum::response::Response {
        let status =
            StatusCode::from_u16(self.error.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            error_body(self.error),
        )
            .into_response();
        if self.error.retryable() {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(self.retry_after.max(1)),
            );
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// The bearer token of a request, if it has one (`Authorization: Bearer <token>`).
pub fn bearer(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let (scheme, token) = value.split_at_checked(7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then_some(token)
        .filter(|t| !t.is_empty())
}

impl Verifier {
    /// Verifies a request's bearer token into owned claims (allocates only for the result),
    /// shared with the verified-token cache: a cached token is answered without a copy.
    ///
    /// # Errors
    /// [`AuthError`] with the catalog error, ready to be answered.
    ///
    /// A token verified before is answered from the verified-token cache (see
    /// [`jwtgate::TokenCache`]) while its `exp` holds and the key set and policy are unchanged.
    pub async fn authorize(&self, headers: &HeaderMap) -> Result<Arc<AuthClaims>, AuthError> {
        let token = self.bearer_token(headers)?;
        let started = std::time::Instant::now();
        let digest = jwtgate::TokenDigest::of(token);
        let epoch = match self.cached_claims(&digest) {
            Ok(claims) => {
                self.metrics().record(Ok(()), started.elapsed());
                return Ok(claims);
            }
            Err(epoch) => epoch,
        };
        self.verify_into(token, |verified| {
            let claims = Arc::new(AuthClaims::from_verified(verified)?);
            if let Some(epoch) = &epoch {
                self.remember(digest, epoch, verified, Arc::clone(&claims));
            }
            Ok(claims)
        })
        .await?
        .map_err(|e| self.auth_error(e))
    }

    /// Verifies a request's bearer token and hands the verified view to `view`, which takes
    /// what it needs (a forward-auth answer needs two headers, not a copy of every claim).
    ///
    /// # Errors
    /// [`AuthError`] with the catalog error, ready to be answered.
    pub async fn authorize_with<R>(
        &self,
        headers: &HeaderMap,
        view: impl FnOnce(&jwtgate::Verified<'_>) -> R,
    ) -> Result<R, AuthError> {
        let token = self.bearer_token(headers)?;
        self.verify_into(token, view).await
    }

    fn auth_error(&self, error: Error) -> AuthError {
        let retry_after = self.config().cache.failure_cooldown;
        AuthError { error, retry_after }
    }

    /// The request's bearer token, or the error to answer. Rejections before verification
    /// are still verification outcomes, for the metrics.
    fn bearer_token<'h>(&self, headers: &'h HeaderMap) -> Result<&'h [u8], AuthError> {
        let early = |error| {
            self.metrics()
                .record(Err(error), core::time::Duration::ZERO);
            self.auth_error(error)
        };
        let token = bearer(headers).ok_or_else(|| early(Error::TokenMissing))?;
        if token.len() > DEFAULT_MAX_TOKEN_LEN {
            return Err(early(Error::TokenMalformed));
        }
        Ok(token)
    }

    async fn verify_into<R>(
        &self,
        token: &[u8],
        view: impl FnOnce(&jwtgate::Verified<'_>) -> R,
    ) -> Result<R, AuthError> {
        // On the heap and sized to the token: a 16 KiB array would live in this future, which
        // axum boxes (copies) once per request.
        let mut buf = vec![0u8; token.len()];
        let verified = self
            .verify(token, &mut buf)
            .await
            .map_err(|e| self.auth_error(e))?;
        Ok(view(&verified))
    }
}

/// Requires a valid bearer token on every request of the wrapped service, and stores its
/// claims in the request's extensions as an `Arc<AuthClaims>` (shared with the verified-token
/// cache).
#[derive(Clone, Debug)]
pub struct AuthLayer {
    verifier: Verifier,
}

impl AuthLayer {
    /// A layer verifying with `verifier`.
    pub fn new(verifier: Verifier) -> Self {
        AuthLayer { verifier }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = AuthService<S>;
    fn layer(&self, inner: S) -> AuthService<S> {
        AuthService {
            inner,
            verifier: self.verifier.clone(),
        }
    }
}

/// The service [`AuthLayer`] produces.
#[derive(Clone, Debug)]
pub struct AuthService<S> {
    inner: S,
    verifier: Verifier,
}

impl<S> Service<Request<Body>> for AuthService<S>
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Body>) -> Self::Future {
        // The clone that was polled ready serves this request (tower's usual dance).
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        let verifier = self.verifier.clone();
        Box::pin(async move {
            match verifier.authorize(request.headers()).await {
                Ok(claims) => {
                    request.extensions_mut().insert(claims);
                    inner.call(request).await
                }
                Err(e) => Ok(e.into_response()),
            }
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for AuthClaims {
    type Rejection = AuthError;

    /// Copies the claims [`AuthLayer`] stored (an `Arc<AuthClaims>` in the request's
    /// extensions); without the layer, a request is unauthenticated.
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AuthError> {
        parts
            .extensions
            .get::<Arc<AuthClaims>>()
            .map(|claims| AuthClaims::clone(claims))
            .ok_or(AuthError {
                error: Error::TokenMissing,
                retry_after: 0,
            })
    }
}
