//! The validating parser: the exact RFC 8259 grammar, the nesting depth, the member cap and
//! duplicate member names. It reads a document once; [`walk`](super::walk) navigates it after.

use super::text::{self, JsonStr};
use super::walk::Members;
use super::{Array, JsonError, Number, Object, Value};

/// Validates all of `text` as one JSON value.
pub(super) fn document(
    text: &str,
    max_depth: u8,
    max_members: usize,
) -> Result<Value<'_>, JsonError> {
    let mut lexer = Lexer {
        text,
        pos: 0,
        max_members,
    };
    let value = lexer.value(max_depth)?;
    lexer.ws();
    if lexer.pos == text.len() {
        Ok(value)
    } else {
        Err(JsonError::Syntax)
    }
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    /// Members allowed in one object.
    max_members: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, b: u8) -> Result<(), JsonError> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn slice(&self, start: usize, end: usize) -> Result<&'a str, JsonError> {
        self.text.get(start..end).ok_or(JsonError::Syntax)
    }

    fn value(&mut self, depth: u8) -> Result<Value<'a>, JsonError> {
        self.ws();
        match self.peek().ok_or(JsonError::Syntax)? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(Value::String),
            b't' => self.literal("true").map(|()| Value::Bool(true)),
            b'f' => self.literal("false").map(|()| Value::Bool(false)),
            b'n' => self.literal("null").map(|()| Value::Null),
            b'-' | b'0'..=b'9' => self.number().map(Value::Number),
            _ => Err(JsonError::Syntax),
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), JsonError> {
        let end = self.pos.checked_add(word.len()).ok_or(JsonError::Syntax)?;
        if self.text.get(self.pos..end) == Some(word) {
            self.pos = end;
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Number<'a>, JsonError> {
        let start = self.pos;
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(JsonError::Syntax),
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(JsonError::Syntax);
        }
        if self.eat(b'e') || self.eat(b'E') {
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return Err(JsonError::Syntax);
            }
        }
        Ok(Number {
            raw: self.slice(start, self.pos)?,
        })
    }

    fn string(&mut self) -> Result<JsonStr<'a>, JsonError> {
        self.expect(b'"')?;
        let start = self.pos;
        let bytes = self.text.as_bytes();
        loop {
            // Skip the plain run in one scan: the text is already UTF-8, and no byte of a
            // multi-byte character is a quote, a backslash or a control character.
            let rest = bytes.get(self.pos..).unwrap_or_default();
            let run = rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .ok_or(JsonError::Syntax)?;
            self.pos += run + 1;
            match rest.get(run) {
                Some(b'"') => break,
                Some(b'\\') => {
                    let after = bytes.get(self.pos..).unwrap_or_default();
                    let (_, len) = text::escape(after).ok_or(JsonError::Syntax)?;
                    self.pos += len;
                }
                _ => return Err(JsonError::Syntax), // a control character
            }
        }
        Ok(JsonStr::new(self.slice(start, self.pos - 1)?))
    }

    fn array(&mut self, depth: u8) -> Result<Value<'a>, JsonError> {
        let start = self.pos;
        let inner = depth.checked_sub(1).ok_or(JsonError::TooDeep)?;
        self.expect(b'[')?;
        self.ws();
        if !self.eat(b']') {
            loop {
                self.value(inner)?;
                self.ws();
                if self.eat(b']') {
                    break;
                }
                self.expect(b',')?;
            }
        }
        Ok(Value::Array(Array {
            text: self.slice(start, self.pos)?,
        }))
    }

    fn object(&mut self, depth: u8) -> Result<Value<'a>, JsonError> {
        let start = self.pos;
        let inner = depth.checked_sub(1).ok_or(JsonError::TooDeep)?;
        self.expect(b'{')?;
        self.ws();
        if !self.eat(b'}') {
            let mut members = 0usize;
            // A 128-bit Bloom filter of the names seen so far: a name whose bits are not all
            // set is certainly new, so the exact walk over the earlier members (quadratic in
            // the member count) runs only for the few that might repeat one.
            let mut seen = 0u128;
            loop {
                members += 1;
                if members > self.max_members {
                    return Err(JsonError::TooManyMembers);
                }
                self.ws();
                let member_start = self.pos;
                let name = self.string()?;
                let bits = name_bits(name);
                if seen & bits == bits {
                    // Earlier members of this object: a truncated view the walker can read.
                    let earlier = self.slice(start, member_start)?;
                    if Members::new(earlier).any(|(k, _)| k.decoded_eq(name)) {
                        return Err(JsonError::DuplicateMember);
                    }
                }
                seen |= bits;
                self.ws();
                self.expect(b':')?;
                self.value(inner)?;
                self.ws();
                if self.eat(b'}') {
                    break;
                }
                self.expect(b',')?;
            }
        }
        Ok(Value::Object(Object {
            text: self.slice(start, self.pos)?,
        }))
    }
}

/// Two bits of a 128-bit Bloom filter for a member name, from FNV-1a over its decoded text
/// (names that decode alike get the same bits, whatever their escapes).
fn name_bits(name: JsonStr<'_>) -> u128 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    match name.as_plain() {
        Some(plain) => eat(plain.as_bytes()),
        None => {
            for c in name.chars() {
                eat(c.encode_utf8(&mut [0u8; 4]).as_bytes());
            }
        }
    }
    (1u128 << (hash & 127)) | (1u128 << ((hash >> 7) & 127))
}

#[cfg(test)]
mod tests {
    use super::super::{JsonError, Value, parse, parse_bounded};

    fn ok(s: &str) -> Value<'_> {
        parse(s.as_bytes(), 16).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }
    fn err(s: &str) -> JsonError {
        parse(s.as_bytes(), 16)
            .err()
            .unwrap_or_else(|| panic!("{s} was accepted"))
    }

    #[test]
    fn accepts_rfc8259_values() {
        for s in [
            "{}",
            "[]",
            "0",
            "-0",
            "1.5e-3",
            "1E+2",
            "\"\"",
            "true",
            "false",
            "null",
            " { \"a\" : [1, {\"b\": null}, \"\\u00e9\\ud83d\\ude00\"] } ",
        ] {
            ok(s);
        }
    }

    #[test]
    fn rejects_what_rfc8259_does_not_allow() {
        for s in [
            "",
            "{",
            "{\"a\":1,}",
            "[1,]",
            "01",
            "1.",
            ".5",
            "1e",
            "+1",
            "NaN",
            "Infinity",
            "-Infinity",
            "{'a':1}",
            "{\"a\" 1}",
            "\"\\x\"",
            "\"a\nb\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\u{feff}{}",
            "{} {}",
            "/*c*/{}",
            "tru",
        ] {
            assert_eq!(err(s), JsonError::Syntax, "{s:?}");
        }
        assert_eq!(parse(b"\"\xff\"", 4).err(), Some(JsonError::Syntax));
    }

    #[test]
    fn rejects_duplicate_names_after_unescaping_at_any_depth() {
        assert_eq!(err("{\"a\":1,\"a\":2}"), JsonError::DuplicateMember);
        assert_eq!(err("{\"a\":1,\"\\u0061\":2}"), JsonError::DuplicateMember);
        assert_eq!(
            err("{\"x\":{\"b\":[],\"c\":0,\"b\":1}}"),
            JsonError::DuplicateMember
        );
        ok("{\"a\":{\"a\":1},\"b\":{\"a\":2}}");
    }

    #[test]
    fn bounds_members_per_object() {
        assert!(parse_bounded(b"{\"a\":1,\"b\":{\"c\":1,\"d\":2}}", 4, 2).is_ok());
        assert_eq!(
            parse_bounded(b"{\"a\":1,\"b\":2,\"c\":3}", 4, 2).err(),
            Some(JsonError::TooManyMembers)
        );
        assert_eq!(
            parse_bounded(b"[{\"a\":1,\"b\":2,\"c\":3}]", 4, 2).err(),
            Some(JsonError::TooManyMembers)
        );
        // Arrays are not objects; the bound does not apply to their elements.
        assert!(parse_bounded(b"{\"a\":[1,2,3,4,5]}", 4, 1).is_ok());
        assert!(parse(b"{\"a\":1,\"b\":2,\"c\":3}", 4).is_ok());
    }

    #[test]
    fn bounds_depth() {
        assert!(parse(b"[[[1]]]", 3).is_ok());
        assert_eq!(parse(b"[[[1]]]", 2).err(), Some(JsonError::TooDeep));
        let deep = "[".repeat(10_000);
        assert_eq!(parse(deep.as_bytes(), 255).err(), Some(JsonError::TooDeep));
    }
}
