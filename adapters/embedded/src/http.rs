//! One HTTP/1.1 `GET` of a JWK Set: the request, and a sans-IO reader for the response that
//! the blocking and the async fetch share.
//!
//! The reader owns no buffer and no stream. It says where the next read goes
//! ([`ResponseReader::read_buf`]) and takes the count read ([`ResponseReader::advance`]), so
//! any byte stream drives it. Two caller buffers, both hard limits:
//!
//! - **`head`**: the status line and headers, and later the chunk-size lines and trailers.
//!   A read may carry body bytes past the headers into it (chunked framing included: the case
//!   reqwless issue #114 garbles); they are decoded from there.
//! - **`body`**: the decoded JWK Set, nothing else. Body bytes are read straight into it.
//!
//! Only `200` is a document. Redirects are never followed and, like every other status, end
//! the fetch with a typed error. Framing is `Content-Length`, `Transfer-Encoding: chunked` or
//! the connection's close; anything ambiguous (both, or two different lengths) is refused,
//! as is any content coding. Of the headers only `Cache-Control: max-age` is kept (read by
//! the core's [`jwtgate::cache_control_max_age`]). Every malformation and every limit is an
//! [`HttpError`]; nothing here panics.
//!
//! The reader stops at the body's end: whatever the peer sends after it (in the same read or
//! later) is never looked at, because the request says `Connection: close` and the stream is
//! dropped. Not for: responses to anything but this crate's own `GET`, or keep-alive reuse.

use httparse::Status;

/// Most headers a response head (or a trailer section) may carry.
pub const MAX_HEADERS: usize = 32;

/// Most interim (`1xx`) responses skipped before the final one.
const MAX_INTERIM: u8 = 4;

/// What went wrong with the request or the response: each is final for this fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum HttpError {
    /// The host or path cannot go in a request line (empty, a space, a control byte, a path
    /// not starting with `/`).
    InvalidRequest,
    /// The request does not fit in the head buffer.
    RequestTooLarge,
    /// The stream ended before the response did.
    Truncated,
    /// The status line and headers do not fit in the head buffer, or carry more than
    /// [`MAX_HEADERS`] headers.
    HeadTooLarge,
    /// The status line or a header is not HTTP/1.x.
    InvalidHead,
    /// The final status is not `200` (and not a redirect).
    Status(u16),
    /// A redirect (`3xx`): never followed.
    Redirect(u16),
    /// `Content-Length` is not a plain decimal, or two of them differ.
    InvalidContentLength,
    /// Both `Content-Length` and `Transfer-Encoding` (a smuggling shape).
    ConflictingFraming,
    /// A transfer coding other than exactly `chunked`.
    UnsupportedTransferEncoding,
    /// A content coding other than `identity` (the request asks for `identity`).
    UnsupportedContentEncoding,
    /// More interim (`1xx`) responses than a fetch tolerates, or `101 Switching Protocols`.
    TooManyInterim,
    /// A chunk-size line, a chunk's closing CRLF or a trailer is malformed.
    InvalidChunk,
    /// A chunk-size line (with its extensions) does not fit in the head buffer.
    ChunkLineTooLong,
    /// The chunk framing alone outgrew the body buffer (a flood of tiny chunks).
    TooManyChunks,
    /// The trailer section does not fit in the head buffer, or carries too many fields.
    TrailersTooLarge,
    /// The body does not fit in the body buffer.
    BodyTooLarge,
}

impl core::fmt::Display for HttpError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let what = match self {
            HttpError::InvalidRequest => "the host or path cannot go in a request",
            HttpError::RequestTooLarge => "the request does not fit in the head buffer",
            HttpError::Truncated => "the response ended early",
            HttpError::HeadTooLarge => "the response head does not fit in the head buffer",
            HttpError::InvalidHead => "the response head is not HTTP/1.x",
            HttpError::Status(code) => return write!(f, "status {code}, not 200"),
            HttpError::Redirect(code) => return write!(f, "redirect {code}, not followed"),
            HttpError::InvalidContentLength => "invalid Content-Length",
            HttpError::ConflictingFraming => "both Content-Length and Transfer-Encoding",
            HttpError::UnsupportedTransferEncoding => "a transfer coding other than chunked",
            HttpError::UnsupportedContentEncoding => "a content coding other than identity",
            HttpError::TooManyInterim => "too many interim (1xx) responses",
            HttpError::InvalidChunk => "malformed chunked framing",
            HttpError::ChunkLineTooLong => "a chunk-size line does not fit in the head buffer",
            HttpError::TooManyChunks => "the chunk framing outgrew the body buffer",
            HttpError::TrailersTooLarge => "the trailers do not fit in the head buffer",
            HttpError::BodyTooLarge => "the body does not fit in the body buffer",
        };
        f.write_str(what)
    }
}

impl core::error::Error for HttpError {}

/// A `GET` of one URL path from one host, checked once so that writing it cannot fail on its
/// contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    host: &'a str,
    path: &'a str,
}

impl<'a> Request<'a> {
    /// A `GET` of `path` (starting with `/`, query allowed) from `host` (a name or address,
    /// with an optional `:port`; IPv6 in brackets).
    ///
    /// # Errors
    /// [`HttpError::InvalidRequest`] if either cannot go in the request as it is.
    pub fn get(host: &'a str, path: &'a str) -> Result<Self, HttpError> {
        let host_ok = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-_:[]".contains(&b));
        // Visible ASCII only: no space, no control byte, no fragment.
        let path_ok =
            path.starts_with('/') && path.bytes().all(|b| b.is_ascii_graphic() && b != b'#');
        if host_ok && path_ok {
            Ok(Request { host, path })
        } else {
            Err(HttpError::InvalidRequest)
        }
    }

    /// Writes the request into `buf` and returns its length.
    ///
    /// # Errors
    /// [`HttpError::RequestTooLarge`] if it does not fit.
    pub fn encode(&self, buf: &mut [u8]) -> Result<usize, HttpError> {
        let parts: [&[u8]; 5] = [
            b"GET ",
            self.path.as_bytes(),
            b" HTTP/1.1\r\nHost: ",
            self.host.as_bytes(),
            b"\r\nAccept: application/jwk-set+json, application/json\r\n\
              Accept-Encoding: identity\r\nUser-Agent: jwtgate-embedded\r\n\
              Connection: close\r\n\r\n",
        ];
        let mut len = 0;
        for part in parts {
            let end = len + part.len();
            buf.get_mut(len..end)
                .ok_or(HttpError::RequestTooLarge)?
                .copy_from_slice(part);
            len = end;
        }
        Ok(len)
    }
}

/// A `200` response read to its end: the JWK Set is the body buffer's first `len` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Response {
    /// Length of the body.
    pub len: usize,
    /// `Cache-Control: max-age` of the response, in seconds, if it carried one.
    pub max_age: Option<u64>,
}

/// Where the reader is in the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Reading the status line and headers (of an interim or the final response).
    Head,
    /// A `Content-Length` body with this much left.
    Length(usize),
    /// A body that ends when the stream does.
    Close,
    /// A chunk-size line.
    ChunkSize,
    /// A chunk's data, with this much left.
    ChunkData(usize),
    /// The CRLF after a chunk's data.
    ChunkEnd,
    /// The trailer section after the last chunk.
    Trailers,
    /// The response is complete.
    Done,
}

/// Where the last [`ResponseReader::read_buf`] pointed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Head,
    Body,
    Probe,
}

/// The sans-IO response reader (see the [module](self) docs): repeat `read_buf`, a read of
/// the stream into it, and `advance` with the count until `advance` answers the response.
///
/// ```
/// use jwtgate_embedded::{HttpError, Response, ResponseReader};
///
/// let (mut head, mut body) = ([0u8; 256], [0u8; 64]);
/// let mut stream: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"keys\":[]}";
/// let mut reader = ResponseReader::new(&mut head, &mut body);
/// let response = loop {
///     let buf = reader.read_buf()?;
///     let n = buf.len().min(stream.len()).min(5); // any split works
///     buf[..n].copy_from_slice(&stream[..n]);
///     stream = &stream[n..];
///     if let Some(response) = reader.advance(n)? {
///         break response;
///     }
/// };
/// assert_eq!(response, Response { len: 11, max_age: None });
/// assert_eq!(&body[..11], b"{\"keys\":[]}");
/// # Ok::<(), HttpError>(())
/// ```
#[derive(Debug)]
pub struct ResponseReader<'h, 'b> {
    head: &'h mut [u8],
    body: &'b mut [u8],
    state: State,
    /// The head buffer's unconsumed bytes: `head[start..end]`.
    start: usize,
    end: usize,
    /// The body so far: `body[..len]`.
    len: usize,
    target: Target,
    /// Length of the slice the last `read_buf` returned.
    offered: usize,
    interim: u8,
    /// Chunk framing bytes consumed so far.
    framing: usize,
    max_age: Option<u64>,
    /// One byte to learn whether a close-delimited body that filled its buffer goes on.
    probe: [u8; 1],
}

impl<'h, 'b> ResponseReader<'h, 'b> {
    /// A reader for one response, with the head buffer (which must fit the status line and
    /// headers, and later each chunk-size line and the trailers) and the body buffer.
    pub fn new(head: &'h mut [u8], body: &'b mut [u8]) -> Self {
        ResponseReader {
            head,
            body,
            state: State::Head,
            start: 0,
            end: 0,
            len: 0,
            target: Target::Head,
            offered: 0,
            interim: 0,
            framing: 0,
            max_age: None,
            probe: [0],
        }
    }

    /// Where the next read of the stream goes: never empty.
    ///
    /// # Errors
    /// The limit that stops the response from going on: [`HttpError::HeadTooLarge`],
    /// [`HttpError::ChunkLineTooLong`] or [`HttpError::TrailersTooLarge`].
    pub fn read_buf(&mut self) -> Result<&mut [u8], HttpError> {
        let (target, range) = match self.state {
            State::Head | State::ChunkSize | State::ChunkEnd | State::Trailers => {
                // Move the unconsumed bytes down so the whole buffer is usable.
                self.head.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
                if self.end == self.head.len() {
                    return Err(match self.state {
                        State::Head => HttpError::HeadTooLarge,
                        State::Trailers => HttpError::TrailersTooLarge,
                        _ => HttpError::ChunkLineTooLong,
                    });
                }
                (Target::Head, self.end..self.head.len())
            }
            // `advance` decodes the head buffer before asking for more, so it is empty here,
            // and the data goes straight to the body (no more than is left of it).
            State::Length(left) | State::ChunkData(left) => {
                // Both states were entered only if `left` fits the body buffer.
                let end = self.len.saturating_add(left).min(self.body.len());
                if end == self.len {
                    return Err(HttpError::BodyTooLarge);
                }
                (Target::Body, self.len..end)
            }
            State::Close if self.len < self.body.len() => (Target::Body, self.len..self.body.len()),
            // A complete response reads nothing more (`advance` answers it again).
            State::Close | State::Done => (Target::Probe, 0..1),
        };
        self.target = target;
        self.offered = range.len();
        let buf = match target {
            Target::Head => self.head.get_mut(range),
            Target::Body => self.body.get_mut(range),
            Target::Probe => Some(&mut self.probe[..]),
        };
        // Every range above lies inside its buffer.
        buf.ok_or(HttpError::BodyTooLarge)
    }

    /// Takes the count of bytes the last read put into [`read_buf`](Self::read_buf)'s slice
    /// (0: the stream ended) and answers the response once it is complete.
    ///
    /// # Errors
    /// Whatever makes the response unusable; the fetch is over.
    pub fn advance(&mut self, n: usize) -> Result<Option<Response>, HttpError> {
        // A count beyond the slice would be a broken stream; the bytes never reached us.
        let n = n.min(self.offered);
        self.offered = 0;
        if self.state == State::Done {
            return self.finish();
        }
        if n == 0 {
            return match self.state {
                State::Close => self.finish(),
                _ => Err(HttpError::Truncated),
            };
        }
        match self.target {
            Target::Head => self.end += n,
            Target::Body => {
                self.len += n;
                if let State::Length(left) | State::ChunkData(left) = &mut self.state {
                    *left -= n;
                }
            }
            Target::Probe => return Err(HttpError::BodyTooLarge),
        }
        while self.step()? {}
        if self.state == State::Done {
            return self.finish();
        }
        Ok(None)
    }

    /// The complete response.
    fn finish(&mut self) -> Result<Option<Response>, HttpError> {
        self.state = State::Done;
        Ok(Some(Response {
            len: self.len,
            max_age: self.max_age,
        }))
    }

    /// Decodes what the head buffer holds in the current state; whether it moved on.
    fn step(&mut self) -> Result<bool, HttpError> {
        let window = self.head.get(self.start..self.end).unwrap_or_default();
        match self.state {
            State::Head => self.parse_head(),
            State::Length(0) | State::Done => {
                self.state = State::Done;
                Ok(false)
            }
            State::ChunkData(0) => {
                self.state = State::ChunkEnd;
                Ok(true)
            }
            State::Length(left) | State::ChunkData(left) => {
                let n = window.len().min(left);
                self.take_body(n)?;
                self.state = match self.state {
                    State::Length(_) => State::Length(left - n),
                    _ => State::ChunkData(left - n),
                };
                Ok(n > 0)
            }
            State::Close => {
                let n = window.len();
                self.take_body(n)?;
                Ok(false)
            }
            State::ChunkSize => {
                // httparse takes an empty size as 0; RFC 9112 wants at least one digit.
                match window.first() {
                    None => return Ok(false),
                    Some(b) if !b.is_ascii_hexdigit() => return Err(HttpError::InvalidChunk),
                    Some(_) => {}
                }
                let (used, size) = match httparse::parse_chunk_size(window) {
                    Ok(Status::Complete(parsed)) => parsed,
                    Ok(Status::Partial) => return Ok(false),
                    Err(_) => return Err(HttpError::InvalidChunk),
                };
                self.consume_framing(used)?;
                let room = self.body.len() - self.len;
                self.state = match usize::try_from(size) {
                    Ok(0) => State::Trailers,
                    Ok(size) if size <= room => State::ChunkData(size),
                    _ => return Err(HttpError::BodyTooLarge),
                };
                Ok(true)
            }
            State::ChunkEnd => match window {
                [b'\r', b'\n', ..] => {
                    self.consume_framing(2)?;
                    self.state = State::ChunkSize;
                    Ok(true)
                }
                [] | [b'\r'] => Ok(false),
                _ => Err(HttpError::InvalidChunk),
            },
            State::Trailers => {
                let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
                match httparse::parse_headers(window, &mut fields) {
                    Ok(Status::Complete((used, _))) => {
                        // Trailers are read past, never trusted (no max-age from them).
                        self.start += used;
                        self.state = State::Done;
                        Ok(false)
                    }
                    Ok(Status::Partial) => Ok(false),
                    Err(httparse::Error::TooManyHeaders) => Err(HttpError::TrailersTooLarge),
                    Err(_) => Err(HttpError::InvalidChunk),
                }
            }
        }
    }

    /// Moves `n` bytes from the head buffer's window to the end of the body.
    fn take_body(&mut self, n: usize) -> Result<(), HttpError> {
        let end = self.len + n;
        let (Some(dst), Some(src)) = (
            self.body.get_mut(self.len..end),
            self.head.get(self.start..self.start + n),
        ) else {
            return Err(HttpError::BodyTooLarge);
        };
        dst.copy_from_slice(src);
        self.len = end;
        self.start += n;
        Ok(())
    }

    /// Consumes `n` bytes of chunk framing, within the budget of one body buffer.
    fn consume_framing(&mut self, n: usize) -> Result<(), HttpError> {
        self.start += n;
        self.framing += n;
        if self.framing > self.body.len().max(64) {
            return Err(HttpError::TooManyChunks);
        }
        Ok(())
    }

    /// Parses a complete head in the window, if there is one, and picks the body's framing.
    fn parse_head(&mut self) -> Result<bool, HttpError> {
        let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut response = httparse::Response::new(&mut headers);
        let window = self.head.get(self.start..self.end).unwrap_or_default();
        let used = match response.parse(window) {
            Ok(Status::Complete(used)) => used,
            Ok(Status::Partial) => return Ok(false),
            Err(httparse::Error::TooManyHeaders) => return Err(HttpError::HeadTooLarge),
            Err(_) => return Err(HttpError::InvalidHead),
        };
        let status = response.code.unwrap_or_default();
        if (100..200).contains(&status) && status != 101 {
            // An interim response has no body: the final one follows.
            if self.interim == MAX_INTERIM {
                return Err(HttpError::TooManyInterim);
            }
            self.interim += 1;
            self.start += used;
            return Ok(true);
        }
        match status {
            200 => {}
            101 => return Err(HttpError::TooManyInterim),
            300..400 => return Err(HttpError::Redirect(status)),
            _ => return Err(HttpError::Status(status)),
        }
        let mut length = None;
        let mut chunked = false;
        let mut max_age = None;
        for header in response.headers.iter() {
            let value = header.value.trim_ascii();
            let name = header.name;
            if name.eq_ignore_ascii_case("content-length") {
                let parsed = decimal(value).ok_or(HttpError::InvalidContentLength)?;
                if length.is_some_and(|l| l != parsed) {
                    return Err(HttpError::InvalidContentLength);
                }
                length = Some(parsed);
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                if chunked || !value.eq_ignore_ascii_case(b"chunked") {
                    return Err(HttpError::UnsupportedTransferEncoding);
                }
                chunked = true;
            } else if name.eq_ignore_ascii_case("content-encoding") {
                if !value.eq_ignore_ascii_case(b"identity") {
                    return Err(HttpError::UnsupportedContentEncoding);
                }
            } else if name.eq_ignore_ascii_case("cache-control") && max_age.is_none() {
                max_age = jwtgate::cache_control_max_age(value);
            }
        }
        self.state = match (length, chunked) {
            (Some(_), true) => return Err(HttpError::ConflictingFraming),
            (None, true) => State::ChunkSize,
            (Some(len), false) if len > self.body.len() => return Err(HttpError::BodyTooLarge),
            (Some(len), false) => State::Length(len),
            (None, false) => State::Close,
        };
        self.max_age = max_age;
        self.start += used;
        Ok(true)
    }
}

/// A plain decimal of at most 19 digits (no sign, no spaces).
fn decimal(value: &[u8]) -> Option<usize> {
    if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = value
        .iter()
        .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0'));
    usize::try_from(n).ok()
}
