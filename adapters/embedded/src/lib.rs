//! jwtgate for gateways: the JWK Set fetched over whatever byte stream the device has (an
//! embassy-net or smoltcp TCP socket, a modem's or embedded-tls's TLS session) into caller
//! buffers, and verified through a `static` critical-section cache with the core's driver.
//!
//! `#![no_std]`, no allocation, no clock and no sockets of its own: the caller opens the
//! stream (and bounds its time with the socket's timeout); this crate bounds the bytes.
//!
//! ```
//! # fn main() -> Result<(), jwtgate::Error> {
//! # const TOKEN: &[u8] = b"eyJhbGciOiJFUzI1NiJ9\
//! # .eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ\
//! # .DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
//! # const RESPONSE: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
//! # Transfer-Encoding: chunked\r\n\r\n55\r\n{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\
//! # \"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\r\n34;ext=1\r\n\
//! # \"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}\r\n0\r\n\r\n";
//! # struct Canned(&'static [u8]);
//! # impl embedded_io::ErrorType for Canned { type Error = core::convert::Infallible; }
//! # impl embedded_io::Read for Canned {
//! #     fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
//! #         let n = buf.len().min(self.0.len()).min(7); // awkward splits
//! #         buf[..n].copy_from_slice(&self.0[..n]);
//! #         self.0 = &self.0[n..];
//! #         Ok(n)
//! #     }
//! # }
//! # impl embedded_io::Write for Canned {
//! #     fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> { Ok(buf.len()) }
//! #     fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
//! # }
//! # let now = 1_300_819_000;
//! use jwtgate::{CachePolicy, Policy, SharedCache, UntrustedToken, driver};
//! use jwtgate_embedded::{Request, fetcher};
//!
//! static KEYS: SharedCache<4> = SharedCache::new(CachePolicy::DEFAULT);
//!
//! let request = Request::get("auth.example.com", "/auth/v1/.well-known/jwks.json").unwrap();
//! // The caller's buffers: the response head (and chunk framing), and the JWK Set itself.
//! let (mut head, mut jwks_buf, mut token_buf) = ([0u8; 1024], [0u8; 2048], [0u8; 1024]);
//! // Opens a fresh stream per fetch: here a canned response, on a device a socket.
//! let connect = || Ok(Canned(RESPONSE));
//!
//! let token = UntrustedToken::parse(TOKEN, &mut token_buf)?;
//! let policy = Policy::new().issuer("joe");
//! let fetch = fetcher(&request, &mut head, connect);
//! let verified = driver::verify_blocking(&KEYS, token, &policy, now, &mut jwks_buf, fetch)?;
//! assert!(verified.claims().iss().is_some_and(|iss| iss.eq_str("joe")));
//! # Ok(()) }
//! ```
//!
//! Modules: [`http`] (the request and the sans-IO response reader), [`mod@fetch`] (one GET over
//! an `embedded-io` stream, blocking or async, and the driver's fetch closures).

#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::panic,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::std_instead_of_core
    )
)]

#[macro_use]
mod fmt;

pub mod fetch;
pub mod http;

pub use fetch::{FetchError, fetch, fetcher};
#[cfg(feature = "async")]
pub use fetch::{fetch_async, fetcher_async};
pub use http::{HttpError, Request, Response, ResponseReader};
