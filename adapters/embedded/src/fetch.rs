//! One `GET` of the JWK Set over an `embedded-io` stream, and the fetch closures the core's
//! [driver](jwtgate::driver) takes.
//!
//! The blocking and the async fetch are the same few lines around one
//! [`ResponseReader`]: the parser is written once, and the async variant costs nothing
//! when unused. reqwless was the alternative for async; it was not chosen because it brings
//! a second HTTP parser (and its flash) for a job this small, and its chunked decoding into
//! the header buffer is the case its issue #114 reports garbled.

use embedded_io::{Read, Write};
use jwtgate::FetchOutcome;

use crate::http::{HttpError, Request, Response, ResponseReader};

/// Why a fetch failed: the stream's own error, or the HTTP exchange's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FetchError<E> {
    /// Opening, writing or reading the stream failed.
    Io(E),
    /// The request could not be sent or the response is unusable.
    Http(HttpError),
}

impl<E> From<HttpError> for FetchError<E> {
    fn from(e: HttpError) -> Self {
        FetchError::Http(e)
    }
}

impl<E: core::fmt::Debug> core::fmt::Display for FetchError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FetchError::Io(e) => write!(f, "stream error: {e:?}"),
            FetchError::Http(e) => write!(f, "{e}"),
        }
    }
}

impl<E: core::fmt::Debug> core::error::Error for FetchError<E> {}

impl<E> FetchError<E> {
    /// What the cache is told: an oversized body is [`FetchOutcome::TooLarge`] (counted as an
    /// invalid set), everything else a failed fetch.
    fn outcome(&self) -> FetchOutcome {
        match self {
            FetchError::Http(HttpError::BodyTooLarge) => FetchOutcome::TooLarge,
            _ => FetchOutcome::Failed,
        }
    }
}

/// Sends `request` on `stream` and reads the response: the JWK Set into `body`, the head
/// (and chunk framing) through `head`, which also holds the request while it is written.
///
/// # Errors
/// [`FetchError::Io`] from the stream, or [`FetchError::Http`] for a response that is not a
/// complete `200` within the buffers.
pub fn fetch<S: Read + Write>(
    stream: &mut S,
    request: &Request<'_>,
    head: &mut [u8],
    body: &mut [u8],
) -> Result<Response, FetchError<S::Error>> {
    let len = request.encode(head)?;
    stream
        .write_all(head.get(..len).unwrap_or_default())
        .map_err(FetchError::Io)?;
    stream.flush().map_err(FetchError::Io)?;
    let mut reader = ResponseReader::new(head, body);
    loop {
        let n = stream.read(reader.read_buf()?).map_err(FetchError::Io)?;
        if let Some(response) = reader.advance(n)? {
            return Ok(response);
        }
    }
}

/// [`fetch`] over an `embedded-io-async` stream (embassy-net's `TcpSocket`, embedded-tls).
///
/// # Errors
/// As [`fetch`].
#[cfg(feature = "async")]
pub async fn fetch_async<S: embedded_io_async::Read + embedded_io_async::Write>(
    stream: &mut S,
    request: &Request<'_>,
    head: &mut [u8],
    body: &mut [u8],
) -> Result<Response, FetchError<S::Error>> {
    let len = request.encode(head)?;
    stream
        .write_all(head.get(..len).unwrap_or_default())
        .await
        .map_err(FetchError::Io)?;
    stream.flush().await.map_err(FetchError::Io)?;
    let mut reader = ResponseReader::new(head, body);
    loop {
        let n = stream
            .read(reader.read_buf()?)
            .await
            .map_err(FetchError::Io)?;
        if let Some(response) = reader.advance(n)? {
            return Ok(response);
        }
    }
}

/// The fetch closure for [`driver::verify_blocking`](jwtgate::driver::verify_blocking):
/// each fetch opens a stream with `connect` (a socket connected to the issuer, or a TLS
/// session over one), sends `request` and reads the response into the driver's JWK Set
/// buffer, using `head` for the head. Failures are logged (defmt) and reported to the cache.
pub fn fetcher<'a, S, E>(
    request: &'a Request<'a>,
    head: &'a mut [u8],
    mut connect: impl FnMut() -> Result<S, E> + 'a,
) -> impl FnMut(&mut [u8]) -> FetchOutcome + 'a
where
    S: Read + Write<Error = E>,
    E: embedded_io::Error,
{
    move |body: &mut [u8]| {
        let result = connect()
            .map_err(FetchError::Io)
            .and_then(|mut stream| fetch(&mut stream, request, head, body));
        report(result)
    }
}

/// The fetch closure for [`driver::fetch_with`](jwtgate::driver::fetch_with) and
/// [`driver::verify`](jwtgate::driver::verify): [`fetcher`] over an async `connect`.
#[cfg(feature = "async")]
pub fn fetcher_async<'a, S, E>(
    request: &'a Request<'a>,
    head: &'a mut [u8],
    mut connect: impl AsyncFnMut() -> Result<S, E> + 'a,
) -> impl AsyncFnMut(&mut [u8]) -> FetchOutcome + 'a
where
    S: embedded_io_async::Read + embedded_io_async::Write<Error = E>,
    E: embedded_io::Error,
{
    async move |body: &mut [u8]| {
        let result = match connect().await {
            Ok(mut stream) => fetch_async(&mut stream, request, head, body).await,
            Err(e) => Err(FetchError::Io(e)),
        };
        report(result)
    }
}

/// Logs a fetch's result and turns it into what the cache is told.
fn report<E: embedded_io::Error>(result: Result<Response, FetchError<E>>) -> FetchOutcome {
    match result {
        Ok(Response { len, max_age }) => {
            debug!("jwks: fetched {=usize} bytes", len);
            FetchOutcome::Document { len, max_age }
        }
        Err(e) => {
            match e {
                FetchError::Io(ref io) => warn!("jwks fetch failed: stream {}", io.kind()),
                FetchError::Http(http) => warn!("jwks fetch failed: {}", http),
            }
            e.outcome()
        }
    }
}
