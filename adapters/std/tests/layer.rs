//! The tower layer and axum extractor inside a real axum app, served on 127.0.0.1 and
//! verifying against the development issuer over real HTTP.

#![allow(clippy::unwrap_used, clippy::panic)]

use core::time::Duration;

use axum::Router;
use axum::routing::{MethodRouter, get};
use jwtgate_std::dev_issuer::{DevIssuer, Mode};
use jwtgate_std::{AuthClaims, AuthLayer, Verifier, VerifierConfig};

async fn whoami(claims: AuthClaims) -> String {
    let email: serde_json::Value = serde_json::from_str(&claims.payload).unwrap();
    format!(
        "{} {} {}",
        claims.sub.unwrap_or_default(),
        claims.role.unwrap_or_default(),
        email["email"]
    )
}

/// Serves `handler` at `path` behind an [`AuthLayer`] of `verifier`, on a free port of
/// 127.0.0.1 (a task of the test's runtime); the URL of `path`.
async fn serve(path: &str, handler: MethodRouter, verifier: Verifier) -> String {
    let app = Router::new()
        .route(path, handler)
        .layer(AuthLayer::new(verifier));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{path}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test(flavor = "multi_thread")]
async fn layer_guards_an_axum_app() {
    let issuer = DevIssuer::start().unwrap();
    let mut config = VerifierConfig::supabase(issuer.base_url());
    config.cache.stale_if_error = 0;
    let verifier = Verifier::new(config).unwrap();
    let url = serve("/me", get(whoami), verifier.clone()).await;
    let http = reqwest::Client::new();

    let token = issuer.mint(Duration::from_secs(600));
    let ok = http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(
        ok.text().await.unwrap(),
        format!("{} authenticated \"dev@example.com\"", issuer.subject())
    );

    let missing = http.get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    let body: serde_json::Value = serde_json::from_str(&missing.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], "ERR_AUTH_TOKEN_MISSING");

    let wrong_scheme = http
        .get(&url)
        .header("authorization", format!("Basic {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_scheme.status(), 401);

    // A cold second verifier while the issuer is down: 503 + Retry-After, retryable.
    issuer.set_mode(Mode::Down);
    let cold = Verifier::new(VerifierConfig::supabase(issuer.base_url())).unwrap();
    let cold_url = serve("/me", get(whoami), cold).await;
    let down = http
        .get(&cold_url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(down.status(), 503);
    assert_eq!(down.headers()["retry-after"], "5");
    let body: serde_json::Value = serde_json::from_str(&down.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], "ERR_AUTH_JWKS_FETCH_FAILED");
    assert_eq!(body["retryable"], true);
    // The warm one keeps serving through the same outage.
    assert_eq!(
        http.get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn background_refresh_loads_keys_before_the_first_request() {
    let issuer = DevIssuer::start().unwrap();
    let verifier = Verifier::new(VerifierConfig::supabase(issuer.base_url())).unwrap();
    assert!(!verifier.is_ready());
    let task = verifier.spawn_refresh();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !verifier.is_ready() {
        assert!(std::time::Instant::now() < deadline, "never loaded");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        verifier.counters().misses,
        0,
        "no request had to wait for a fetch"
    );
    let mut buf = [0u8; 4096];
    let token = issuer.mint(Duration::from_secs(60));
    assert!(verifier.verify(token.as_bytes(), &mut buf).await.is_ok());
    assert_eq!(verifier.counters().hits, 1);
    // The task ends once every verifier clone is gone.
    drop(verifier);
    let ended = tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .unwrap();
    assert!(ended.unwrap_err().is_cancelled());
}

/// `authorize` answers a repeated token with the claims the verified-token cache holds (the
/// same allocation, no copy), and the layer hands handlers that `Arc` in the extensions.
#[tokio::test(flavor = "multi_thread")]
async fn a_repeated_token_shares_the_cached_claims() {
    use std::sync::Arc;

    use axum::Extension;
    use axum::http::{HeaderMap, HeaderValue, header};

    let issuer = DevIssuer::start().unwrap();
    let verifier = Verifier::new(VerifierConfig::supabase(issuer.base_url())).unwrap();
    let token = issuer.mint(Duration::from_secs(600));
    let mut headers = HeaderMap::new();
    let bearer = HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    headers.insert(header::AUTHORIZATION, bearer);

    // The cold first request fetches the set, so its verdict is not remembered (no epoch
    // to store it under yet); the warm second one is, and the third is a hit.
    let cold = verifier.authorize(&headers).await.unwrap();
    let first = verifier.authorize(&headers).await.unwrap();
    let again = verifier.authorize(&headers).await.unwrap();
    assert!(!Arc::ptr_eq(&cold, &first));
    assert!(Arc::ptr_eq(&first, &again), "a hit is the cached Arc");
    // (hits, misses): the cold lookup, with no set held, counts as neither.
    assert_eq!(verifier.token_cache_counters(), (1, 1));
    assert_eq!(first.sub.as_deref(), Some(issuer.subject()));

    async fn shared(Extension(claims): Extension<Arc<AuthClaims>>) -> String {
        claims.sub.clone().unwrap_or_default()
    }
    let url = serve("/shared", get(shared), verifier).await;
    let ok = reqwest::Client::new()
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), issuer.subject());
}
