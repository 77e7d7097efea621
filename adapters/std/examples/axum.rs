//! An axum service behind jwtgate: `cargo run -p jwtgate-std --example axum`.
//!
//! Set `SUPABASE_URL` to verify your project's tokens; without it the example starts the
//! development issuer and prints a token to try.

use axum::Router;
use axum::routing::get;
use jwtgate_std::{AuthClaims, AuthLayer, Verifier, VerifierConfig};

/// Handlers take the verified claims as an extractor.
async fn me(claims: AuthClaims) -> String {
    format!("hello {}\n", claims.sub.unwrap_or_default())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dev;
    let config = match std::env::var("SUPABASE_URL") {
        Ok(url) => VerifierConfig::supabase(&url),
        Err(_) => {
            dev = jwtgate_std::dev_issuer::DevIssuer::start()?;
            println!("token: {}", dev.mint(core::time::Duration::from_secs(3600)));
            VerifierConfig::supabase(dev.base_url())
        }
    };
    let verifier = Verifier::new(config)?;
    let _refresh = verifier.spawn_refresh(); // keys stay fresh; requests never wait
    let app = Router::new()
        .route("/me", get(me))
        .layer(AuthLayer::new(verifier.clone()))
        .route(
            "/metrics",
            get(move || async move { verifier.encode_metrics() }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
    println!("try: curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:3000/me");
    axum::serve(listener, app).await?;
    Ok(())
}
