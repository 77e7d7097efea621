//! Strict base64url (RFC 4648 §5) without padding, as JWS requires.
//!
//! Rejects `=`, `+`, `/`, whitespace, any other byte outside the alphabet, a length of 1 mod 4
//! and non-canonical trailing bits. Everything decoded here is public (tokens, JWK
//! coordinates), so [`decode`] is a plain table-driven decoder: a constant-time one
//! (base64ct, still used for [`decode_exact`]) costs several microseconds on a 1 KiB token.

use base64ct::{Base64UrlUnpadded, Encoding};

use crate::Error;

/// Marks a byte outside the alphabet (any value with the top two bits set would do).
const INVALID: u8 = 0xff;

/// The 6-bit value of each base64url character, [`INVALID`] for every other byte.
// Evaluated at compile time: an index out of bounds would fail the build, not the program.
#[allow(clippy::indexing_slicing, clippy::as_conversions)]
const VALUES: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        let c = match i {
            0..=25 => b'A' + i,
            26..=51 => b'a' + (i - 26),
            52..=61 => b'0' + (i - 52),
            62 => b'-',
            _ => b'_',
        };
        table[c as usize] = i;
        i += 1;
    }
    table
};

/// The values of `chars` (at most 10) packed big-endian, 6 bits each, or `None` if one is
/// not base64url.
fn pack(chars: &[u8]) -> Option<u64> {
    let mut packed = 0u64;
    let mut seen = 0u8;
    for &c in chars {
        let v = VALUES.get(usize::from(c)).copied().unwrap_or(INVALID);
        seen |= v;
        packed = (packed << 6) | u64::from(v & 0x3f);
    }
    (seen & 0xc0 == 0).then_some(packed)
}

/// Decodes `src` into the front of `dst` and returns the decoded bytes.
pub(crate) fn decode<'d>(src: &[u8], dst: &'d mut [u8]) -> Result<&'d [u8], Error> {
    let (quads, tail) = src.split_at(src.len() - src.len() % 4);
    let tail_len = match tail.len() {
        0 => 0,
        2 => 1,
        3 => 2,
        _ => return Err(Error::TokenMalformed),
    };
    let len = quads.len() / 4 * 3 + tail_len;
    let out = dst.get_mut(..len).ok_or(Error::TokenMalformed)?;
    let (out_quads, out_tail) = out.split_at_mut(quads.len() / 4 * 3);
    // Two quanta (8 characters, 6 bytes) per step, then the odd one.
    let mut pairs = quads.chunks_exact(8);
    let mut out_pairs = out_quads.chunks_exact_mut(6);
    for (q, o) in (&mut pairs).zip(&mut out_pairs) {
        let v = pack(q).ok_or(Error::TokenMalformed)?;
        o.copy_from_slice(v.to_be_bytes().get(2..).unwrap_or_default());
    }
    let (q, o) = (pairs.remainder(), out_pairs.into_remainder());
    if !q.is_empty() {
        let v = pack(q).ok_or(Error::TokenMalformed)?;
        o.copy_from_slice(v.to_be_bytes().get(5..).unwrap_or_default());
    }
    if !tail.is_empty() {
        let v = pack(tail).ok_or(Error::TokenMalformed)?;
        let unused = 6 * tail.len() - 8 * tail_len; // 4 or 2 bits: zero when canonical
        if v & ((1 << unused) - 1) != 0 {
            return Err(Error::TokenMalformed);
        }
        let bytes = (v >> unused).to_be_bytes();
        out_tail.copy_from_slice(bytes.get(8 - tail_len..).unwrap_or_default());
    }
    Ok(out)
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

    /// The table decoder agrees with base64ct (constant time, the former implementation) on
    /// every input of a pseudo-random sample: alphabet characters, `=`, `+`, `/`, spaces,
    /// control and high bytes, all lengths 0..=40.
    #[test]
    fn agrees_with_base64ct() {
        const CHARS: &[u8] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_AQgw=+/ \n\x00\x80\xff";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..200_000 {
            let len = usize::try_from(next() % 41).unwrap();
            let mut src = [0u8; 40];
            for c in src.iter_mut().take(len) {
                let pick = usize::try_from(next() % 100).unwrap();
                // Mostly valid characters, so that long valid runs occur.
                *c = if pick < 94 {
                    CHARS[pick % 64]
                } else {
                    CHARS[64 + pick % (CHARS.len() - 64)]
                };
            }
            let src = &src[..len];
            let (mut a, mut b) = ([0u8; 30], [0u8; 30]);
            let ours = decode(src, &mut a).map(<[u8]>::to_vec);
            let theirs = Base64UrlUnpadded::decode(src, &mut b)
                .map(<[u8]>::to_vec)
                .map_err(|_| Error::TokenMalformed);
            assert_eq!(ours, theirs, "{src:?}");
        }
    }

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
