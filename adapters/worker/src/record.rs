//! The persisted JWK Set record: what an isolate stores after a successful fetch so that a
//! cold isolate starts warm (see [`JwksCache::restore`](jwtgate::JwksCache::restore)).
//!
//! The store (the Cache API or KV) is shared with whatever else runs in the zone or account,
//! so a record is read as hostile input: a marker and version, the JWKS URL it was fetched
//! from, bounded lengths that must add up exactly, and a SHA-256 over everything before it.
//! Anything else is refused with a typed [`RecordError`], and the isolate fetches instead.
//!
//! Layout (integers big-endian):
//!
//! | bytes | field |
//! |---|---|
//! | 8 | marker `JWTGJWKS` |
//! | 1 | version, [`VERSION`] |
//! | 8 | fetch time, unix seconds |
//! | 8 | the response's `max-age`; `u64::MAX`: none |
//! | 2 + n | the JWKS URL: length, bytes |
//! | 4 + m | the JWK Set document: length, bytes |
//! | 32 | SHA-256 of all the above |

use sha2::{Digest, Sha256};

/// The record's first bytes: whose it is.
pub const MARKER: &[u8; 8] = b"JWTGJWKS";

/// The layout version written and the only one read.
pub const VERSION: u8 = 1;

/// The largest JWK Set document a record holds (the fetch cap, like jwtgate-std's).
pub const MAX_DOCUMENT: usize = 256 * 1024;

/// The longest JWKS URL a record holds.
pub const MAX_URL: usize = 2048;

/// Bytes around the URL and the document.
const OVERHEAD: usize = 8 + 1 + 8 + 8 + 2 + 4 + 32;

/// The largest record [`decode`] reads: a store answering more is refused unread.
pub const MAX_RECORD: usize = OVERHEAD + MAX_URL + MAX_DOCUMENT;

/// What a record says, borrowed from its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// When the document was fetched, unix seconds.
    pub fetched_at: u64,
    /// The response's `Cache-Control: max-age`, if it had one.
    pub max_age: Option<u64>,
    /// The JWK Set document as fetched.
    pub document: &'a [u8],
}

/// Why a stored record was not trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordError {
    /// Longer than [`MAX_RECORD`] (or, when encoding, a field over its cap).
    TooLarge,
    /// Not written by jwtgate: the marker is missing.
    NotOurs,
    /// Written by another layout version.
    Version(u8),
    /// The lengths do not add up to the record's size.
    Truncated,
    /// The checksum does not match: torn or altered.
    Checksum,
    /// Fetched from another JWKS URL than the one configured.
    OtherUrl,
}

impl core::fmt::Display for RecordError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RecordError::TooLarge => f.write_str("stored JWK Set record is too large"),
            RecordError::NotOurs => f.write_str("stored value is not a jwtgate JWK Set record"),
            RecordError::Version(v) => write!(f, "stored JWK Set record has version {v}"),
            RecordError::Truncated => f.write_str("stored JWK Set record is truncated"),
            RecordError::Checksum => f.write_str("stored JWK Set record fails its checksum"),
            RecordError::OtherUrl => {
                f.write_str("stored JWK Set record comes from another JWKS URL")
            }
        }
    }
}

impl core::error::Error for RecordError {}

/// Encodes a record of `document`, fetched from `url` at `fetched_at`.
///
/// # Errors
/// [`RecordError::TooLarge`] if the URL or document is over its cap.
pub fn encode(
    url: &str,
    fetched_at: u64,
    max_age: Option<u64>,
    document: &[u8],
) -> Result<Vec<u8>, RecordError> {
    let url_len = u16::try_from(url.len())
        .ok()
        .filter(|_| url.len() <= MAX_URL)
        .ok_or(RecordError::TooLarge)?;
    let doc_len = u32::try_from(document.len())
        .ok()
        .filter(|_| document.len() <= MAX_DOCUMENT)
        .ok_or(RecordError::TooLarge)?;
    let mut out = Vec::with_capacity(OVERHEAD + url.len() + document.len());
    out.extend_from_slice(MARKER);
    out.push(VERSION);
    out.extend_from_slice(&fetched_at.to_be_bytes());
    out.extend_from_slice(&max_age.unwrap_or(u64::MAX).to_be_bytes());
    out.extend_from_slice(&url_len.to_be_bytes());
    out.extend_from_slice(url.as_bytes());
    out.extend_from_slice(&doc_len.to_be_bytes());
    out.extend_from_slice(document);
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    Ok(out)
}

/// Reads a record for the JWKS URL `url`, trusting nothing it has not checked.
///
/// # Errors
/// The [`RecordError`] saying why the bytes are not a record this isolate wrote for `url`.
pub fn decode<'a>(bytes: &'a [u8], url: &str) -> Result<Record<'a>, RecordError> {
    if bytes.len() > MAX_RECORD {
        return Err(RecordError::TooLarge);
    }
    let mut r = Reader(bytes);
    if r.take(MARKER.len())? != MARKER {
        return Err(RecordError::NotOurs);
    }
    let version = r.u8()?;
    if version != VERSION {
        return Err(RecordError::Version(version));
    }
    let fetched_at = r.u64()?;
    let max_age = Some(r.u64()?).filter(|&age| age != u64::MAX);
    let url_len = usize::from(r.u16()?);
    let stored_url = r.take(url_len)?;
    let doc_len = usize::try_from(r.u32()?).map_err(|_| RecordError::Truncated)?;
    let document = r.take(doc_len)?;
    let signed = bytes.len() - r.0.len();
    let sum = r.take(32)?;
    if !r.0.is_empty() {
        return Err(RecordError::Truncated);
    }
    let body = bytes.get(..signed).ok_or(RecordError::Truncated)?;
    if Sha256::digest(body)[..] != *sum {
        return Err(RecordError::Checksum);
    }
    if stored_url != url.as_bytes() {
        return Err(RecordError::OtherUrl);
    }
    Ok(Record {
        fetched_at,
        max_age,
        document,
    })
}

/// The store key for a JWKS URL: a hex SHA-256 prefix, so any URL gives a short key of
/// plain characters (the record itself carries the full URL, checked on load).
pub fn key_id(url: &str) -> String {
    let sum = Sha256::digest(url.as_bytes());
    let mut id = String::with_capacity(32);
    for byte in sum.iter().take(16) {
        id.push(hex(byte >> 4));
        id.push(hex(byte & 0xf));
    }
    id
}

fn hex(nibble: u8) -> char {
    char::from_digit(u32::from(nibble), 16).unwrap_or('0')
}

/// A cursor over a record's bytes; running out is [`RecordError::Truncated`].
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], RecordError> {
        let (head, rest) = self.0.split_at_checked(n).ok_or(RecordError::Truncated)?;
        self.0 = rest;
        Ok(head)
    }

    fn array<const L: usize>(&mut self) -> Result<[u8; L], RecordError> {
        let mut out = [0u8; L];
        out.copy_from_slice(self.take(L)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, RecordError> {
        Ok(u8::from_be_bytes(self.array()?))
    }

    fn u16(&mut self) -> Result<u16, RecordError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, RecordError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, RecordError> {
        Ok(u64::from_be_bytes(self.array()?))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    const URL: &str = "https://issuer.example/auth/v1/.well-known/jwks.json";
    const DOC: &[u8] = br#"{"keys":[]}"#;

    #[test]
    fn round_trips() {
        let bytes = encode(URL, 1_800_000_000, Some(300), DOC).unwrap();
        let record = decode(&bytes, URL).unwrap();
        assert_eq!(
            record,
            Record {
                fetched_at: 1_800_000_000,
                max_age: Some(300),
                document: DOC
            }
        );
        let bytes = encode(URL, 7, None, b"").unwrap();
        assert_eq!(decode(&bytes, URL).unwrap().max_age, None);
        assert_eq!(decode(&bytes, URL).unwrap().document, b"");
    }

    #[test]
    fn refuses_every_single_byte_change() {
        let bytes = encode(URL, 1_800_000_000, Some(300), DOC).unwrap();
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            let err = decode(&bad, URL).unwrap_err();
            let expected: &[RecordError] = match i {
                0..8 => &[RecordError::NotOurs],
                8 => &[RecordError::Version(VERSION ^ 1)],
                // A changed length misplaces everything after it.
                25 | 26 => &[RecordError::Truncated],
                _ if (27 + URL.len()..31 + URL.len()).contains(&i) => &[RecordError::Truncated],
                _ => &[RecordError::Checksum],
            };
            assert!(expected.contains(&err), "byte {i}: {err:?}");
        }
    }

    #[test]
    fn refuses_truncation_trailing_bytes_and_oversize() {
        let bytes = encode(URL, 1, None, DOC).unwrap();
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len], URL).is_err(), "prefix of {len} bytes");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer, URL), Err(RecordError::Truncated));
        assert_eq!(
            decode(&vec![0; MAX_RECORD + 1], URL),
            Err(RecordError::TooLarge)
        );
        assert_eq!(decode(b"", URL), Err(RecordError::Truncated));
        assert_eq!(
            decode(b"{\"keys\":[]} and more bytes", URL),
            Err(RecordError::NotOurs)
        );
    }

    #[test]
    fn refuses_a_record_of_another_url() {
        let bytes = encode(URL, 1, None, DOC).unwrap();
        assert_eq!(
            decode(&bytes, "https://other.example/jwks.json"),
            Err(RecordError::OtherUrl)
        );
        assert_ne!(key_id(URL), key_id("https://other.example/jwks.json"));
        assert_eq!(key_id(URL).len(), 32);
        assert!(key_id(URL).bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn refuses_to_encode_over_the_caps() {
        let long_url = "u".repeat(MAX_URL + 1);
        assert_eq!(encode(&long_url, 1, None, DOC), Err(RecordError::TooLarge));
        let big = vec![b' '; MAX_DOCUMENT + 1];
        assert_eq!(encode(URL, 1, None, &big), Err(RecordError::TooLarge));
        let max = vec![b' '; MAX_DOCUMENT];
        let at_cap = encode(&"u".repeat(MAX_URL), 1, None, &max).unwrap();
        assert_eq!(at_cap.len(), MAX_RECORD);
        assert!(decode(&at_cap, &"u".repeat(MAX_URL)).is_ok());
    }
}
