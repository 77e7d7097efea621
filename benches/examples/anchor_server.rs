//! The load benchmark's baseline (`bench/load.sh`): a typical Rust forward-auth server doing
//! jwtgate serve's job, as the anchor was measured. axum 0.8 with jsonwebtoken 11 on
//! aws-lc-rs: each request's bearer token is looked up by `kid` in a JWK Set loaded at
//! startup, verified (ES256, `iss`, `aud`, `exp`) and answered with `x-auth-sub` and
//! `x-auth-role`, or 401.
//!
//! `cargo run --release --manifest-path benches/Cargo.toml --example anchor_server -- \
//!     ADDR JWKS_FILE ISSUER`

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};

#[derive(serde::Deserialize)]
struct Claims {
    sub: String,
    role: String,
}

struct Keys {
    by_kid: HashMap<String, DecodingKey>,
    validation: Validation,
}

async fn auth(State(keys): State<Arc<Keys>>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(token) = token else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let key = decode_header(token)
        .ok()
        .and_then(|h| h.kid)
        .and_then(|kid| keys.by_kid.get(&kid));
    let Some(key) = key else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    match decode::<Claims>(token, key, &keys.validation) {
        Ok(data) => {
            let mut response = StatusCode::OK.into_response();
            for (name, value) in [("x-auth-sub", data.claims.sub), ("x-auth-role", data.claims.role)] {
                if let Ok(value) = HeaderValue::from_str(&value) {
                    response.headers_mut().insert(name, value);
                }
            }
            response
        }
        Err(_) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, jwks_file, issuer] = args.as_slice() else {
        eprintln!("usage: anchor_server ADDR JWKS_FILE ISSUER");
        std::process::exit(2);
    };
    jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER
        .install_default()
        .expect("one crypto provider");
    let text = std::fs::read_to_string(jwks_file).expect("read the JWK Set");
    let set: JwkSet = serde_json::from_str(&text).expect("a JWK Set");
    let by_kid = set
        .keys
        .iter()
        .filter_map(|jwk| {
            let kid = jwk.common.key_id.clone()?;
            Some((kid, DecodingKey::from_jwk(jwk).ok()?))
        })
        .collect::<HashMap<_, _>>();
    assert!(!by_kid.is_empty(), "no usable key in {jwks_file}");
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&["authenticated"]);
    let keys = Arc::new(Keys { by_kid, validation });
    let app = Router::new().route("/auth", get(auth)).with_state(keys);
    let listener = tokio::net::TcpListener::bind(addr.as_str())
        .await
        .expect("bind");
    println!("listening on {}", listener.local_addr().expect("address"));
    axum::serve(listener, app).await.expect("serve");
}
