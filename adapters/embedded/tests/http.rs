#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
//! The response reader and the fetch over an in-memory embedded-io pipe: every case is read
//! split at every byte boundary (and in random splits), and must end in the same result,
//! the right document or the right typed error, never a panic.

mod support;

use jwtgate_embedded::{FetchError, HttpError, Request, Response, fetch};
use proptest::prelude::*;
use support::{Pipe, Reset};

const REQUEST: &[u8] = b"GET /auth/v1/.well-known/jwks.json HTTP/1.1\r\n\
Host: auth.example.com:8443\r\n\
Accept: application/jwk-set+json, application/json\r\n\
Accept-Encoding: identity\r\n\
User-Agent: jwtgate-embedded\r\n\
Connection: close\r\n\r\n";

const HEAD: usize = 256;
const BODY: usize = 128;

/// What a fetch came to, with the body copied out.
type Outcome = Result<(Vec<u8>, Option<u64>), FetchError<Reset>>;

fn run(input: &[u8], splits: &[usize], head_len: usize, body_len: usize) -> Outcome {
    let request = Request::get("auth.example.com:8443", "/auth/v1/.well-known/jwks.json").unwrap();
    let mut pipe = Pipe::new(input, splits);
    let (mut head, mut body) = (vec![0u8; head_len], vec![0u8; body_len]);
    let result = fetch(&mut pipe, &request, &mut head, &mut body);
    assert_eq!(pipe.written, REQUEST, "the request on the wire");
    result.map(|Response { len, max_age }| (body[..len].to_vec(), max_age))
}

/// Runs `input` whole, one byte at a time, and split at every boundary, and checks that each
/// gives `expected`.
fn check(name: &str, input: &[u8], head_len: usize, body_len: usize, expected: &Outcome) {
    let mut ways: Vec<Vec<usize>> = vec![vec![], vec![1], vec![2, 3, 5, 7, 11]];
    ways.extend((1..input.len()).map(|i| vec![i, usize::MAX]));
    for splits in ways {
        let got = run(input, &splits, head_len, body_len);
        assert_eq!(&got, expected, "{name}: reads {splits:?}");
    }
}

fn ok(body: &str, max_age: Option<u64>) -> Outcome {
    Ok((body.as_bytes().to_vec(), max_age))
}

fn err(e: HttpError) -> Outcome {
    Err(FetchError::Http(e))
}

const JWKS: &str = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"k1"}]}"#;

#[test]
fn documents() {
    let cases: &[(&str, String, Outcome)] = &[
        (
            "content-length with max-age",
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: public, max-age=300\r\nContent-Length: {}\r\n\r\n{JWKS}",
                JWKS.len()
            ),
            ok(JWKS, Some(300)),
        ),
        (
            "chunked, with extensions, a quoted extension and trailers",
            format!(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\ncache-control: max-age=\"60\"\r\n\r\n\
                 10;name=value\r\n{}\r\n5 ; x=\"a;b\"\r\n{}\r\n{:x}\r\n{}\r\n0;last\r\nX-Trailer: 1\r\nCache-Control: max-age=9\r\n\r\n",
                &JWKS[..16],
                &JWKS[16..21],
                JWKS.len() - 21,
                &JWKS[21..]
            ),
            ok(JWKS, Some(60)),
        ),
        (
            "chunked, upper-case hex, no trailers",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n".into(),
            ok("0123456789", None),
        ),
        (
            "close-delimited, HTTP/1.0",
            format!("HTTP/1.0 200 OK\r\n\r\n{JWKS}"),
            ok(JWKS, None),
        ),
        (
            "interim 100 and 103 first",
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".into(),
            ok("{}", None),
        ),
        (
            "empty content-length body",
            "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".into(),
            ok("", None),
        ),
        (
            "equal duplicate content-lengths, identity coding",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\nContent-Encoding: identity\r\n\r\n{}".into(),
            ok("{}", None),
        ),
        (
            "body exactly the buffer",
            format!("HTTP/1.1 200 OK\r\nContent-Length: {BODY}\r\n\r\n{}", "x".repeat(BODY)),
            ok(&"x".repeat(BODY), None),
        ),
        (
            "bytes after a length body are never read",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200 OK\r\n".into(),
            ok("{}", None),
        ),
        (
            "bytes after the trailers are never read",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\nextra".into(),
            ok("{}", None),
        ),
        (
            "close-delimited body exactly the buffer",
            format!("HTTP/1.1 200 OK\r\n\r\n{}", "y".repeat(BODY)),
            ok(&"y".repeat(BODY), None),
        ),
    ];
    for (name, input, expected) in cases {
        check(name, input.as_bytes(), HEAD, BODY, expected);
    }
}

#[test]
fn statuses_and_redirects_are_failures() {
    let cases: &[(&str, &str, Outcome)] = &[
        (
            "404",
            "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}",
            err(HttpError::Status(404)),
        ),
        (
            "503",
            "HTTP/1.1 503 Service Unavailable\r\n\r\n",
            err(HttpError::Status(503)),
        ),
        (
            "204",
            "HTTP/1.1 204 No Content\r\n\r\n",
            err(HttpError::Status(204)),
        ),
        (
            "301 with a body",
            "HTTP/1.1 301 Moved\r\nLocation: http://evil.example/jwks.json\r\nContent-Length: 2\r\n\r\n{}",
            err(HttpError::Redirect(301)),
        ),
        (
            "302",
            "HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n",
            err(HttpError::Redirect(302)),
        ),
        (
            "307",
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: /x\r\n\r\n",
            err(HttpError::Redirect(307)),
        ),
        (
            "308",
            "HTTP/1.1 308 Permanent Redirect\r\nLocation: /x\r\n\r\n",
            err(HttpError::Redirect(308)),
        ),
        (
            "304, never asked for",
            "HTTP/1.1 304 Not Modified\r\n\r\n",
            err(HttpError::Redirect(304)),
        ),
        (
            "101",
            "HTTP/1.1 101 Switching Protocols\r\n\r\n",
            err(HttpError::TooManyInterim),
        ),
        (
            "too many interim responses",
            "HTTP/1.1 100 A\r\n\r\nHTTP/1.1 100 B\r\n\r\nHTTP/1.1 100 C\r\n\r\nHTTP/1.1 100 D\r\n\r\nHTTP/1.1 100 E\r\n\r\nHTTP/1.1 200 OK\r\n\r\n",
            err(HttpError::TooManyInterim),
        ),
    ];
    for (name, input, expected) in cases {
        check(name, input.as_bytes(), HEAD, BODY, expected);
    }
}

#[test]
fn malformed_and_oversize_responses_are_typed_errors() {
    let big = "z".repeat(BODY + 1);
    let cases: &[(&str, String, Outcome)] = &[
        ("garbage", "HELLO WORLD\r\n\r\n".into(), err(HttpError::InvalidHead)),
        ("binary", "\u{0}\u{1}\u{2}\u{3}\r\n\r\n".into(), err(HttpError::InvalidHead)),
        ("HTTP/2 status line", "HTTP/2 200\r\n\r\n".into(), err(HttpError::InvalidHead)),
        ("no status code", "HTTP/1.1 OK\r\n\r\n".into(), err(HttpError::InvalidHead)),
        ("bad header", "HTTP/1.1 200 OK\r\nNo Colon\r\n\r\n".into(), err(HttpError::InvalidHead)),
        ("content-length with a sign", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\n{}".into(), err(HttpError::InvalidContentLength)),
        ("content-length list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\n{}".into(), err(HttpError::InvalidContentLength)),
        ("different content-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x".into(), err(HttpError::InvalidContentLength)),
        ("huge content-length", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n".into(), err(HttpError::InvalidContentLength)),
        ("length and chunked", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n".into(), err(HttpError::ConflictingFraming)),
        ("gzip transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n".into(), err(HttpError::UnsupportedTransferEncoding)),
        ("two chunked codings", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n".into(), err(HttpError::UnsupportedTransferEncoding)),
        ("gzip content coding", "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}".into(), err(HttpError::UnsupportedContentEncoding)),
        ("chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".into(), err(HttpError::InvalidChunk)),
        ("empty chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n\r\n".into(), err(HttpError::InvalidChunk)),
        ("chunk size with a sign", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n".into(), err(HttpError::InvalidChunk)),
        ("chunk data without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n".into(), err(HttpError::InvalidChunk)),
        ("chunk data with a bare LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\n0\r\n\r\n".into(), err(HttpError::InvalidChunk)),
        ("bad trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nbad trailer\r\n\r\n".into(), err(HttpError::InvalidChunk)),
        ("chunk size overflows u64", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\n".into(), err(HttpError::InvalidChunk)),
        ("oversize content-length", format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{big}", BODY + 1), err(HttpError::BodyTooLarge)),
        ("oversize chunk", format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{big}\r\n0\r\n\r\n", BODY + 1), err(HttpError::BodyTooLarge)),
        (
            "oversize over several chunks",
            format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{}\r\n40\r\n{}\r\n1\r\nz\r\n0\r\n\r\n", &big[..64], &big[..64]),
            err(HttpError::BodyTooLarge),
        ),
        ("oversize close-delimited", format!("HTTP/1.1 200 OK\r\n\r\n{big}"), err(HttpError::BodyTooLarge)),
        ("a flood of tiny chunks", format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{}0\r\n\r\n", "1;padding-padding-padding\r\nz\r\n".repeat(20)), err(HttpError::TooManyChunks)),
        ("nothing at all", String::new(), err(HttpError::Truncated)),
        ("truncated head", "HTTP/1.1 200 OK\r\nContent-Len".into(), err(HttpError::Truncated)),
        ("truncated length body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"keys".into(), err(HttpError::Truncated)),
        ("truncated chunk data", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{\"keys".into(), err(HttpError::Truncated)),
        ("truncated before the last chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n".into(), err(HttpError::Truncated)),
        ("truncated in the trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-T: 1\r\n".into(), err(HttpError::Truncated)),
    ];
    for (name, input, expected) in cases {
        check(name, input.as_bytes(), HEAD, BODY, expected);
    }
}

#[test]
fn the_head_buffer_bounds_the_head_chunk_lines_and_trailers() {
    let long_header = format!(
        "HTTP/1.1 200 OK\r\nX-Pad: {}\r\nContent-Length: 2\r\n\r\n{{}}",
        "p".repeat(HEAD)
    );
    check(
        "head too large",
        long_header.as_bytes(),
        HEAD,
        BODY,
        &err(HttpError::HeadTooLarge),
    );
    let many: String = (0..40).map(|i| format!("X-{i}: v\r\n")).collect();
    let many_headers = format!("HTTP/1.1 200 OK\r\n{many}Content-Length: 2\r\n\r\n{{}}");
    check(
        "too many headers",
        many_headers.as_bytes(),
        1024,
        BODY,
        &err(HttpError::HeadTooLarge),
    );
    let long_line = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;{}\r\n{{}}\r\n0\r\n\r\n",
        "e".repeat(HEAD)
    );
    check(
        "chunk line too long",
        long_line.as_bytes(),
        HEAD,
        BODY,
        &err(HttpError::ChunkLineTooLong),
    );
    let long_trailer = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{{}}\r\n0\r\nX-T: {}\r\n\r\n",
        "t".repeat(HEAD)
    );
    check(
        "trailers too large",
        long_trailer.as_bytes(),
        HEAD,
        BODY,
        &err(HttpError::TrailersTooLarge),
    );
    // The request itself needs room in the head buffer.
    let request = Request::get("auth.example.com:8443", "/auth/v1/.well-known/jwks.json").unwrap();
    let mut pipe = Pipe::new(b"", &[]);
    let result = fetch(&mut pipe, &request, &mut [0u8; 64], &mut [0u8; 8]);
    assert_eq!(result, Err(FetchError::Http(HttpError::RequestTooLarge)));
    assert!(
        pipe.written.is_empty(),
        "nothing is sent when the request does not fit"
    );
}

/// The reqwless #114 shape: one read brings the head and the whole chunked body (framing
/// included) into the head buffer, and the body buffer is just big enough for the data.
#[test]
fn chunked_data_read_into_the_head_buffer_is_decoded_intact() {
    let input = format!(
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n",
        &JWKS[..7],
        JWKS.len() - 7,
        &JWKS[7..]
    );
    let got = run(input.as_bytes(), &[], 1024, JWKS.len());
    assert_eq!(got, ok(JWKS, None));
}

#[test]
fn stream_errors_are_io_errors() {
    let request = Request::get("h", "/").unwrap();
    let mut pipe = Pipe::new(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}", &[]);
    pipe.reset = true;
    let result = fetch(&mut pipe, &request, &mut [0u8; 256], &mut [0u8; 64]);
    assert_eq!(result, Err(FetchError::Io(Reset)));
}

#[test]
fn requests_are_checked() {
    for (host, path) in [
        ("", "/"),
        ("a b", "/"),
        ("a\r\nX-Evil: 1", "/"),
        ("a/b", "/"),
        ("h", ""),
        ("h", "jwks.json"),
        ("h", "/a b"),
        ("h", "/a\r\n"),
        ("h", "/a#frag"),
        ("h", "/\u{e9}"),
    ] {
        assert_eq!(
            Request::get(host, path),
            Err(HttpError::InvalidRequest),
            "{host:?} {path:?}"
        );
    }
    for (host, path) in [
        ("[::1]:8080", "/jwks?x=1&y=%20"),
        ("auth.example-1.com", "/"),
    ] {
        assert!(Request::get(host, path).is_ok(), "{host:?} {path:?}");
    }
}

/// Responses for the random-split property: each with its answer.
fn corpus() -> Vec<(Vec<u8>, Outcome)> {
    vec![
        (
            format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\n{}\r\n{:x}\r\n{}\r\n0\r\nT: x\r\n\r\n", &JWKS[..3], JWKS.len() - 3, &JWKS[3..]).into_bytes(),
            ok(JWKS, None),
        ),
        (
            format!("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nCache-Control: max-age=5\r\nContent-Length: {}\r\n\r\n{JWKS}", JWKS.len()).into_bytes(),
            ok(JWKS, Some(5)),
        ),
        (format!("HTTP/1.1 200 OK\r\n\r\n{JWKS}").into_bytes(), ok(JWKS, None)),
        (b"HTTP/1.1 302 Found\r\nLocation: /\r\n\r\n".to_vec(), err(HttpError::Redirect(302))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_split_gives_the_same_answer(
        splits in proptest::collection::vec(1usize..40, 1..12),
        head_len in REQUEST.len()..400,
    ) {
        for (input, expected) in corpus() {
            prop_assert_eq!(run(&input, &splits, head_len, BODY), expected);
        }
    }

    #[test]
    fn any_bytes_end_in_an_answer(input in proptest::collection::vec(any::<u8>(), 0..300), split in 1usize..50) {
        // Never a panic; the same answer however the bytes arrive.
        let whole = run(&input, &[], HEAD, BODY);
        prop_assert_eq!(run(&input, &[split], HEAD, BODY), whole);
    }

    #[test]
    fn any_truncation_is_truncated_or_an_error(cut in 0usize..200) {
        let (input, _) = &corpus()[0];
        let cut = cut.min(input.len() - 1);
        let got = run(&input[..cut], &[7], HEAD, BODY);
        prop_assert!(got.is_err(), "a cut response never passes: {:?}", got);
    }
}
