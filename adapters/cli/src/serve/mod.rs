//! `jwtgate serve`: a forward-auth server for nginx `auth_request`, Traefik ForwardAuth and
//! Envoy ext_authz (HTTP), with a built-in development issuer when no issuer is configured.
//!
//! `mod.rs` turns flags into a verifier; [`routes`] answers requests; [`http`] serves them
//! with bounded connections; [`grpc`] answers Envoy's gRPC ext_authz.

mod grpc;
mod http;
mod routes;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use jwtgate::CachePolicy;
use jwtgate_std::dev_issuer::DevIssuer;
use jwtgate_std::{Verifier, VerifierConfig};
use zeroize::Zeroizing;

/// `jwtgate serve` flags. Cache policy values are seconds.
#[derive(clap::Args, Debug)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Also answer Envoy's gRPC ext_authz (`envoy.service.auth.v3.Authorization/Check`) here.
    #[arg(long, value_name = "ADDR")]
    grpc_listen: Option<SocketAddr>,
    /// Supabase project URL: derives the JWKS URL, `iss` and `aud`.
    #[arg(long, env = "SUPABASE_URL")]
    supabase_url: Option<String>,
    /// JWK Set URL (overrides the one derived from --supabase-url).
    #[arg(long)]
    jwks_url: Option<String>,
    /// Required issuer (`iss`).
    #[arg(long)]
    iss: Option<String>,
    /// Required audience (`aud`).
    #[arg(long)]
    aud: Option<String>,
    /// Also accept HS256 tokens MACed with this file's bytes (the legacy JWT secret).
    #[arg(long, value_name = "FILE")]
    hs256_secret_file: Option<PathBuf>,
    /// Seconds of clock skew tolerated on exp/nbf.
    #[arg(long, default_value_t = 0)]
    leeway: u64,
    #[command(flatten)]
    algorithms: crate::Algorithms,
    /// Fixed key-set ttl; overrides the response's Cache-Control max-age. [default: 600, or max-age]
    #[arg(long)]
    ttl: Option<u64>,
    /// How long past ttl keys keep verifying while refreshes fail.
    #[arg(long, default_value_t = CachePolicy::DEFAULT.stale_if_error)]
    stale_if_error: u64,
    /// After a failed fetch, how long misses fail fast without fetching.
    #[arg(long, default_value_t = CachePolicy::DEFAULT.failure_cooldown)]
    failure_cooldown: u64,
    /// Least time between refetches caused by an unknown kid.
    #[arg(long, default_value_t = CachePolicy::DEFAULT.unknown_kid_min_interval)]
    unknown_kid_interval: u64,
    /// Total timeout of one JWKS fetch.
    #[arg(long, default_value_t = 5)]
    fetch_timeout: u64,
    /// Seconds a client has to send a request's headers; also the longest an idle keep-alive
    /// connection waits for its next request (0 disables).
    #[arg(long, value_name = "SECS", default_value_t = http::Limits::DEFAULT.header_read_timeout.as_secs())]
    header_read_timeout: u64,
    /// Seconds one request may take, a JWK Set fetch included; then 408 (0 disables).
    #[arg(long, value_name = "SECS", default_value_t = http::Limits::DEFAULT.request_timeout.as_secs())]
    request_timeout: u64,
    /// Connections served at once; further clients wait to be accepted.
    #[arg(long, value_name = "N", default_value_t = http::Limits::DEFAULT.max_connections, value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: u32,
    /// Deepest JSON nesting accepted in a token's header and claims (at most 64).
    #[arg(long, default_value_t = jwtgate_std::DEFAULT_MAX_DEPTH, value_parser = clap::value_parser!(u8).range(1..=64))]
    max_depth: u8,
}

/// Fetch failures, revocations and capacity warnings go to stderr, one line each; the level
/// is `JWTGATE_LOG` (`error`, `warn`, `info` (default), `debug`, `trace`).
fn init_logging() {
    let level = std::env::var("JWTGATE_LOG")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

pub(crate) fn run(args: ServeArgs) -> ExitCode {
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(serve(args))
}

fn fail(message: &str) -> ExitCode {
    eprintln!("jwtgate serve: {message}");
    ExitCode::from(2)
}

/// Where the keys come from: the configured issuer, or (loopback only) the development issuer.
///
/// # Errors
/// A usage message: an empty or invalid URL, or no issuer with a non-loopback `--listen`.
fn issuer(args: &ServeArgs) -> Result<(VerifierConfig, Option<DevIssuer>), String> {
    let checked = |flag: &str, url: &str| {
        jwtgate_std::fetch::validate_url(url)
            .map_err(|e| format!("{flag}: {e}"))
            .map(|()| url.to_owned())
    };
    let supabase = args
        .supabase_url
        .as_deref()
        .map(|url| checked("--supabase-url (or SUPABASE_URL)", url))
        .transpose()?
        .map(|url| VerifierConfig::supabase(&url));
    match (&args.jwks_url, supabase) {
        (Some(url), base) => {
            let url = checked("--jwks-url", url)?;
            let base = base.unwrap_or_else(|| VerifierConfig::new(url.clone()));
            Ok((
                VerifierConfig {
                    jwks_url: url,
                    ..base
                },
                None,
            ))
        }
        (None, Some(config)) => Ok((config, None)),
        // The development issuer mints valid tokens for anyone who asks: never for a network.
        (None, None) if let Some(exposed) = exposed(args) => Err(format!(
            "no issuer configured: pass --supabase-url (or set SUPABASE_URL) or --jwks-url. \
             The development issuer mints tokens for anyone who asks, so it runs only on \
             loopback addresses, not on {exposed}"
        )),
        (None, None) => match DevIssuer::start() {
            Ok(dev) => Ok((VerifierConfig::supabase(dev.base_url()), Some(dev))),
            Err(e) => Err(format!("cannot start the development issuer: {e}")),
        },
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    let (mut config, dev) = match issuer(&args) {
        Ok(found) => found,
        Err(message) => return fail(&message),
    };
    if args.iss.is_some() {
        config.issuer.clone_from(&args.iss);
    }
    if args.aud.is_some() {
        config.audience.clone_from(&args.aud);
    }
    config.leeway = args.leeway;
    config.max_depth = args.max_depth;
    if let Some(path) = &args.hs256_secret_file {
        match std::fs::read(path) {
            Ok(secret) => config.hs256_secret = Some(Zeroizing::new(secret)),
            Err(e) => return fail(&format!("cannot read {}: {e}", path.display())),
        }
    }
    config.algorithms = match args.algorithms.resolve(config.hs256_secret.is_some()) {
        Ok(algs) => algs,
        Err(message) => return fail(&message),
    };
    config.cache = CachePolicy {
        ttl: args.ttl.unwrap_or(CachePolicy::DEFAULT.ttl),
        honor_max_age: args.ttl.is_none(),
        stale_if_error: args.stale_if_error,
        failure_cooldown: args.failure_cooldown,
        unknown_kid_min_interval: args.unknown_kid_interval,
        fetch_abandon_after: args.fetch_timeout.saturating_add(5),
        ..CachePolicy::DEFAULT
    };
    config.fetch.timeout = Duration::from_secs(args.fetch_timeout);
    config.fetch.connect_timeout = config.fetch.connect_timeout.min(config.fetch.timeout);
    let verifier = match Verifier::new(config) {
        Ok(v) => v,
        Err(e) => return fail(&e.to_string()),
    };
    let listener = match tokio::net::TcpListener::bind(args.listen).await {
        Ok(l) => l,
        Err(e) => return fail(&format!("cannot listen on {}: {e}", args.listen)),
    };
    let grpc_listener = match args.grpc_listen {
        None => None,
        Some(grpc) => match tokio::net::TcpListener::bind(grpc).await {
            Ok(l) => Some(l),
            Err(e) => return fail(&format!("cannot listen on {grpc}: {e}")),
        },
    };
    let addr = listener.local_addr().unwrap_or(args.listen);
    let _refresh = verifier.spawn_refresh();
    let grpc_addr = grpc_listener.as_ref().and_then(|l| l.local_addr().ok());
    announce(addr, grpc_addr, verifier.config(), dev.as_ref());

    // One shutdown signal for both servers.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown().await;
        let _ = stop.send(true);
    });
    let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };
    let request_timeout = Duration::from_secs(args.request_timeout);
    let grpc = async {
        match grpc_listener {
            Some(l) => grpc::serve(
                l,
                verifier.clone(),
                request_timeout,
                until_stopped(stopped.clone()),
            )
            .await
            .map_err(|e| e.to_string()),
            None => Ok(()),
        }
    };
    let limits = http::Limits {
        header_read_timeout: Duration::from_secs(args.header_read_timeout),
        request_timeout,
        max_connections: args.max_connections,
    };
    let http = http::serve(
        listener,
        routes::router(verifier.clone(), dev),
        limits,
        until_stopped(stopped.clone()),
    );
    match tokio::join!(http, grpc) {
        (Ok(()), Ok(())) => ExitCode::SUCCESS,
        (Err(e), _) => fail(&format!("server error: {e}")),
        (_, Err(e)) => fail(&format!("gRPC server error: {e}")),
    }
}

/// A listen address off loopback, where the development issuer must never answer.
fn exposed(args: &ServeArgs) -> Option<SocketAddr> {
    std::iter::once(args.listen)
        .chain(args.grpc_listen)
        .find(|addr| !addr.ip().is_loopback())
}

/// The first stdout line is machine-readable (`listening on ADDR`), and so is the gRPC line
/// when there is one, for scripts and tests. Write errors are ignored: a closed stdout must
/// not stop the server.
fn announce(
    addr: SocketAddr,
    grpc: Option<SocketAddr>,
    config: &VerifierConfig,
    dev: Option<&DevIssuer>,
) {
    let mut text = format!("listening on {addr}\n");
    if let Some(grpc) = grpc {
        text += &format!("  gRPC ext_authz on {grpc}\n");
    }
    text += &format!("  JWKS      {}\n", config.jwks_url);
    text += &format!(
        "  issuer    {}\n",
        config.issuer.as_deref().unwrap_or("(any)")
    );
    text += &format!(
        "  audience  {}\n",
        config.audience.as_deref().unwrap_or("(any)")
    );
    if let Some(dev) = dev {
        let issuer = dev.base_url();
        text += &format!(
            "\nDevelopment issuer at {issuer} (no --supabase-url or --jwks-url given).\n\
             WARNING: /dev/token mints a valid token for anyone who asks. Loopback only; for a \
             real project pass --supabase-url or --jwks-url.\nTry:\n"
        );
        text += &format!("  TOKEN=$(curl -s http://{addr}/dev/token)\n");
        text += &format!("  curl -i -H \"Authorization: Bearer $TOKEN\" http://{addr}/auth\n");
        text += &format!(
            "  curl -s -X POST '{issuer}/dev/outage?mode=down'   # simulate an issuer outage\n"
        );
        text += &format!("  curl -s http://{addr}/metrics\n");
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
