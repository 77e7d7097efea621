//! The load benchmark's baseline (`bench/load.sh`), built the way the anchor was: a
//! typical Rust server doing `jwtgate serve`'s job with axum 0.7 and jwt-authorizer 0.15
//! (jsonwebtoken 9, ring). It fetches the JWK Set from a URL, verifies each request's bearer
//! token (ES256, `iss`, `aud`, `exp`) and answers `/auth` with `x-auth-sub` and
//! `x-auth-role`, or 401.
//!
//! `jwtgate-load-anchor ADDR JWKS_URL ISSUER`

use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use jwt_authorizer::{Authorizer, IntoLayer, JwtAuthorizer, JwtClaims, Validation};

#[derive(Clone, serde::Deserialize)]
struct User {
    sub: String,
    role: String,
}

async fn auth(JwtClaims(user): JwtClaims<User>) -> impl IntoResponse {
    (StatusCode::OK, [("x-auth-sub", user.sub), ("x-auth-role", user.role)])
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, jwks_url, issuer] = args.as_slice() else {
        eprintln!("usage: jwtgate-load-anchor ADDR JWKS_URL ISSUER");
        std::process::exit(2);
    };
    let validation = Validation::new().iss(&[issuer]).aud(&["authenticated"]);
    let authorizer: Authorizer<User> = JwtAuthorizer::from_jwks_url(jwks_url)
        .validation(validation)
        .build()
        .await
        .expect("authorizer");
    let app = Router::new()
        .route("/auth", get(auth))
        .layer(authorizer.into_layer());
    let listener = tokio::net::TcpListener::bind(addr.as_str())
        .await
        .expect("bind");
    println!("listening on {}", listener.local_addr().expect("address"));
    axum::serve(listener, app).await.expect("serve");
}
