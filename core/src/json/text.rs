//! JSON string text: the escape grammar, written once for both validation and decoding, and
//! [`JsonStr`], a string kept as written and compared by what it decodes to.

/// Decodes one escape sequence; `after_backslash` starts right after its backslash.
///
/// Returns the character and how many bytes after the backslash the escape takes, or `None`
/// if it is not an RFC 8259 escape: an unknown letter, too few hex digits, or a surrogate
/// that is not half of a high-low pair. The validating lexer calls it to accept a document,
/// the decoder to read one, so both always agree on what a string means.
pub(super) fn escape(after_backslash: &[u8]) -> Option<(char, usize)> {
    let simple = match *after_backslash.first()? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let unit = hex4(after_backslash.get(1..5)?)?;
            if !(0xD800..0xDC00).contains(&unit) {
                // `from_u32` refuses a lone low surrogate.
                return Some((char::from_u32(unit)?, 5));
            }
            // A high surrogate: the low half must follow as another `\u` escape.
            if after_backslash.get(5..7)? != b"\\u" {
                return None;
            }
            let low = hex4(after_backslash.get(7..11)?)?;
            if !(0xDC00..0xE000).contains(&low) {
                return None;
            }
            let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
            return Some((char::from_u32(code)?, 11));
        }
        _ => return None,
    };
    Some((simple, 1))
}

/// Four hex digits (either case) as a UTF-16 code unit.
fn hex4(digits: &[u8]) -> Option<u32> {
    digits
        .iter()
        .try_fold(0u32, |v, &d| Some((v << 4) | char::from(d).to_digit(16)?))
}

/// A JSON string as written between its quotes, escapes intact (zero-copy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonStr<'a> {
    raw: &'a str,
}

impl<'a> JsonStr<'a> {
    /// The string between the quotes of validated text.
    pub(super) fn new(raw: &'a str) -> Self {
        JsonStr { raw }
    }

    /// The decoded text without copying, when the string contains no escapes.
    pub fn as_plain(self) -> Option<&'a str> {
        if self.raw.contains('\\') {
            None
        } else {
            Some(self.raw)
        }
    }

    /// The decoded characters.
    pub fn chars(self) -> impl Iterator<Item = char> + Clone + 'a {
        Chars {
            rest: self.raw.chars(),
        }
    }

    /// Whether the decoded string equals `s` exactly.
    pub fn eq_str(self, s: &str) -> bool {
        // Without escapes the text is the string: compare bytes. With escapes, only the decoded
        // text counts: the JSON string `"\n"` is a line feed, not a backslash and an `n`.
        match self.as_plain() {
            Some(plain) => plain == s,
            None => self.chars().eq(s.chars()),
        }
    }

    /// Whether two JSON strings decode to the same text.
    pub fn decoded_eq(self, other: JsonStr<'_>) -> bool {
        self.raw == other.raw
            || ((self.raw.contains('\\') || other.raw.contains('\\'))
                && self.chars().eq(other.chars()))
    }

    /// Decodes into `buf` and returns the text, or `None` if `buf` is too small.
    pub fn decode_into(self, buf: &mut [u8]) -> Option<&str> {
        if let Some(plain) = self.as_plain() {
            let dst = buf.get_mut(..plain.len())?;
            dst.copy_from_slice(plain.as_bytes());
            return core::str::from_utf8(dst).ok();
        }
        let mut len = 0usize;
        for c in self.chars() {
            let end = len.checked_add(c.len_utf8())?;
            c.encode_utf8(buf.get_mut(len..end)?);
            len = end;
        }
        core::str::from_utf8(buf.get(..len)?).ok()
    }
}

/// Writes the decoded text (what [`JsonStr::chars`] yields), never the escapes.
impl core::fmt::Display for JsonStr<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.as_plain() {
            Some(plain) => f.write_str(plain),
            None => self
                .chars()
                .try_for_each(|c| core::fmt::Write::write_char(f, c)),
        }
    }
}

/// Iterator over the decoded characters of a [`JsonStr`].
#[derive(Clone, Debug)]
pub(super) struct Chars<'a> {
    rest: core::str::Chars<'a>,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let c = self.rest.next()?;
        if c != '\\' {
            return Some(c);
        }
        // The document was validated, so the escape is well formed.
        let after = self.rest.as_str();
        let (c, len) = escape(after.as_bytes())?;
        self.rest = after.get(len..)?.chars();
        Some(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_decode_and_bad_ones_are_refused() {
        for (text, want) in [
            (&br#""rest"#[..], ('"', 1)),
            (br"\", ('\\', 1)),
            (b"/", ('/', 1)),
            (b"b", ('\u{8}', 1)),
            (b"f", ('\u{c}', 1)),
            (b"n", ('\n', 1)),
            (b"r", ('\r', 1)),
            (b"t", ('\t', 1)),
            (b"u00e9x", ('é', 5)),
            (b"u00E9", ('é', 5)),
            (br"ud83d\ude00", ('😀', 11)),
        ] {
            assert_eq!(escape(text), Some(want), "{text:?}");
        }
        for text in [
            &b""[..],
            b"x",
            b"u12",
            b"u12g4",
            b"udc00",
            b"ud800",
            br"ud800\u0041",
            br"ud800\ud800",
            br"ud800\n",
            br"ud800\udc0",
        ] {
            assert_eq!(escape(text), None, "{text:?}");
        }
    }
}
