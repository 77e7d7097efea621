//! The HTTP server of `jwtgate serve`, with every connection bounded: a client has
//! `header_read_timeout` to send its request head (hyper's timer, which also runs while a
//! keep-alive connection waits for its next request), each request `request_timeout`
//! (tower-http), and at most `max_connections` are served at once (further clients wait in
//! the listen backlog). Request heads are capped at 64 KiB, well above a 16 KiB token.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceBuilder;
use tower_http::timeout::TimeoutLayer;

/// What one client may cost.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    /// Time to send a request's head, and to start the next one on a kept-alive connection.
    pub(super) header_read_timeout: Duration,
    /// Time for one whole request (a JWK Set fetch included).
    pub(super) request_timeout: Duration,
    /// Connections served at once.
    pub(super) max_connections: u32,
}

impl Limits {
    /// 10 s for a request head (real clients send it at once), 15 s per request (above the
    /// default 5 s fetch timeout), 1,024 connections (each buffers at most 64 KiB).
    pub(super) const DEFAULT: Limits = Limits {
        header_read_timeout: Duration::from_secs(10),
        request_timeout: Duration::from_secs(15),
        max_connections: 1024,
    };
}

/// The longest request head accepted (start line and headers).
const MAX_HEAD: usize = 64 * 1024;
/// How long shutdown waits for open connections to finish.
const DRAIN: Duration = Duration::from_secs(5);

/// Serves `app` on `listener` within `limits` until `shutdown` completes.
///
/// # Errors
/// The listener failed.
pub(super) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let app = ServiceBuilder::new()
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            non_zero(limits.request_timeout).unwrap_or(Duration::MAX),
        ))
        .service(app);
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(non_zero(limits.header_read_timeout))
        .max_buf_size(MAX_HEAD);
    let slots = Arc::new(Semaphore::new(
        usize::try_from(limits.max_connections).unwrap_or(usize::MAX),
    ));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A slot first: at the cap, nothing more is accepted until a connection closes.
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => slot,
        };
        let Ok(slot) = slot else { break };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors, or a connection reset before accept: keep serving.
                Err(e) if is_transient(&e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(e) => return Err(e),
            },
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that breaks off mid-request is its own business.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {}
    }
    Ok(())
}

fn non_zero(d: Duration) -> Option<Duration> {
    (!d.is_zero()).then_some(d)
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    ) || e
        .raw_os_error()
        .is_some_and(|code| code == 24 || code == 23) // EMFILE, ENFILE
}
