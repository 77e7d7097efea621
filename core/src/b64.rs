//! Strict base64url (RFC 4648 §5) without padding, as JWS requires.
//!
//! base64ct rejects `=`, `+`, `/`, whitespace and non-canonical trailing bits, in constant
//! time; this wrapper only fixes the alphabet and maps its error into the catalog.

use base64ct::{Base64UrlUnpadded, Encoding};

use crate::Error;

/// Decodes `src` into the front of `dst` and returns the decoded bytes.
pub(crate) fn decode<'d>(src: &[u8], dst: &'d mut [u8]) -> Result<&'d [u8], Error> {
    match Base64UrlUnpadded::decode(src, dst) {
        Ok(out) => Ok(out),
        Err(_) => Err(Error::TokenMalformed),
    }
}

/// Checks that all of `src` is strict base64url without keeping the bytes, and returns the
/// decoded length. Works in chunks of 64 characters (48 bytes), each a whole number of
/// quanta, so an input of any length is checked with a small stack buffer.
pub(crate) fn decoded_len(src: &[u8]) -> Result<usize, Error> {
    let mut scratch = [0u8; 48];
    let mut len = 0usize;
    for chunk in src.chunks(64) {
        len = len.saturating_add(decode(chunk, &mut scratch)?.len());
    }
    Ok(len)
}

/// Decodes `src`, which must encode exactly `N` bytes.
pub(crate) fn decode_exact<const N: usize>(src: &[u8]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    let n = Base64UrlUnpadded::decode(src, &mut out).ok()?.len();
    (n == N).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict() {
        let mut buf = [0u8; 8];
        assert_eq!(decode(b"QQ", &mut buf), Ok(&b"A"[..]));
        // Non-canonical trailing bits, padding, the standard alphabet, whitespace, length 1 mod 4.
        for bad in [&b"QR"[..], b"QQ==", b"+/8", b"Q Q", b"Q\n", b"QUJDR", b"Q"] {
            assert_eq!(decode(bad, &mut buf), Err(Error::TokenMalformed), "{bad:?}");
        }
        assert_eq!(decode(b"-_8", &mut buf), Ok(&[0xfb, 0xff][..]));
        assert_eq!(decode_exact::<2>(b"-_8"), Some([0xfb, 0xff]));
        assert_eq!(decode_exact::<3>(b"-_8"), None);
        // Validation of inputs longer than any buffer, chunk boundaries included.
        let mut long = [b'Q'; 4 * 64 + 2];
        assert_eq!(decoded_len(&long[..256]), Ok(192));
        assert_eq!(decoded_len(&long), Ok(193));
        long[257] = b'R'; // "QR": non-canonical trailing bits, past the first chunk
        assert_eq!(decoded_len(&long), Err(Error::TokenMalformed));
        assert_eq!(decoded_len(b""), Ok(0));
        assert_eq!(decoded_len(&[b'A'; 130]), Ok(97));
        let mut spaced = [b'A'; 130];
        spaced[127] = b' ';
        assert_eq!(decoded_len(&spaced), Err(Error::TokenMalformed));
        // Too long for the destination.
        assert_eq!(
            decode(b"QUJDREVGR0hJSg", &mut buf),
            Err(Error::TokenMalformed)
        );
    }
}
