//! The embedded adapter's HTTP response reader (`jwtgate_embedded::ResponseReader`), on any
//! bytes, with fuzzer-chosen buffer sizes and read splits.
//!
//! Input: byte 0 sizes the head buffer (64..=1084 bytes), byte 1 the body buffer (0..=1020),
//! byte 2 the read pattern; the rest is what the peer sends.
//!
//! Checks: no panic; `read_buf` never offers an empty slice; the answer is the same whole,
//! in one-byte reads and in the fuzzer's splits; a document fits its buffer and is
//! reached within as many reads as there are bytes (plus the end of the stream); the
//! reader never asks for more once the response is complete.
#![no_main]

use jwtgate_embedded::{HttpError, Response, ResponseReader};
use libfuzzer_sys::fuzz_target;

type Answer = Result<(Response, Vec<u8>), HttpError>;

/// Feeds `input` to a reader, `split(i)` bytes at the i-th read at most.
fn read(input: &[u8], head_len: usize, body_len: usize, split: impl Fn(usize) -> usize) -> Answer {
    let (mut head, mut body) = (vec![0u8; head_len], vec![0u8; body_len]);
    let mut reader = ResponseReader::new(&mut head, &mut body);
    let mut rest = input;
    let mut reads = 0usize;
    let response = loop {
        let buf = reader.read_buf()?;
        assert!(!buf.is_empty(), "read_buf offered an empty slice");
        let n = split(reads).max(1).min(buf.len()).min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        rest = &rest[n..];
        reads += 1;
        assert!(reads <= input.len() + 2, "more reads than bytes");
        if let Some(response) = reader.advance(n)? {
            break response;
        }
    };
    // Complete: asking again changes nothing and reads nothing.
    assert_eq!(reader.advance(0), Ok(Some(response)));
    assert!(
        response.len <= body_len,
        "a document larger than its buffer"
    );
    Ok((response, body[..response.len].to_vec()))
}

fuzz_target!(|data: &[u8]| {
    let [h, b, s, input @ ..] = data else {
        return;
    };
    let head_len = 64 + usize::from(*h) * 4;
    let body_len = usize::from(*b) * 4;
    let pattern = usize::from(*s);
    let whole = read(input, head_len, body_len, |_| usize::MAX);
    let bytewise = read(input, head_len, body_len, |_| 1);
    let split = read(input, head_len, body_len, |i| (pattern >> (i % 8)) % 23 + 1);
    assert_eq!(whole, bytewise, "one read vs one-byte reads");
    assert_eq!(whole, split, "one read vs the fuzzer's splits");
});
