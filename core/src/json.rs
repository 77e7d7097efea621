//! Strict, zero-copy, allocation-free JSON (RFC 8259) for JOSE headers, claims and JWK Sets.
//!
//! [`parse`] validates a whole document once: UTF-8 without BOM, the exact grammar (so no
//! `NaN`, no trailing commas, no comments), no lone surrogate escapes, no duplicate member
//! names in any object (compared after unescaping), and a bounded nesting depth. The
//! returned [`Value`] borrows the input; navigating it re-lexes lazily and never allocates.
//!
//! Duplicate detection rescans the earlier members of the same object, so its cost is
//! `members × object size`. Untrusted documents parsed before any signature check (JOSE
//! headers) go through [`parse_bounded`], which caps the members of every object so the cost
//! stays linear in the document; payloads are only parsed after their signature verified.

/// The deepest nesting any caller may ask for; keeps the recursive descent's stack bounded.
pub const MAX_DEPTH_LIMIT: u8 = 64;

/// Why a document was rejected. Callers map it to their own catalog error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum JsonError {
    /// Not UTF-8, a BOM, or not JSON per RFC 8259 (including lone surrogate escapes).
    Syntax,
    /// Nested deeper than allowed.
    TooDeep,
    /// An object repeats a member name.
    DuplicateMember,
    /// An object has more members than the caller allows (see [`parse_bounded`]).
    TooManyMembers,
}

/// Validates `doc` as one strict JSON value nested at most `max_depth` levels deep.
///
/// # Errors
/// [`JsonError`] says which rule the document broke.
pub fn parse(doc: &[u8], max_depth: u8) -> Result<Value<'_>, JsonError> {
    parse_bounded(doc, max_depth, usize::MAX)
}

/// As [`parse`], and no object may have more than `max_members` members.
///
/// Duplicate detection costs `members × object size` per object; bounding the members keeps
/// the cost of parsing an untrusted document linear in its length.
///
/// # Errors
/// [`JsonError`] says which rule the document broke.
pub fn parse_bounded(
    doc: &[u8],
    max_depth: u8,
    max_members: usize,
) -> Result<Value<'_>, JsonError> {
    let text = core::str::from_utf8(doc).map_err(|_| JsonError::Syntax)?;
    let mut cur = Cursor {
        text,
        pos: 0,
        check: true,
        max_members,
    };
    let value = cur.value(max_depth.min(MAX_DEPTH_LIMIT))?;
    cur.ws();
    if cur.pos == text.len() {
        Ok(value)
    } else {
        Err(JsonError::Syntax)
    }
}

/// A JSON value borrowed from a validated document.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    /// `null`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A number, kept as its source text.
    Number(Number<'a>),
    /// A string, kept escaped.
    String(JsonStr<'a>),
    /// An array.
    Array(Array<'a>),
    /// An object.
    Object(Object<'a>),
}

impl<'a> Value<'a> {
    /// The object, if this is one.
    pub fn as_object(self) -> Option<Object<'a>> {
        if let Value::Object(o) = self {
            Some(o)
        } else {
            None
        }
    }
    /// The string, if this is one.
    pub fn as_str(self) -> Option<JsonStr<'a>> {
        if let Value::String(s) = self {
            Some(s)
        } else {
            None
        }
    }
    /// The array, if this is one.
    pub fn as_array(self) -> Option<Array<'a>> {
        if let Value::Array(a) = self {
            Some(a)
        } else {
            None
        }
    }
    /// The number, if this is one.
    pub fn as_number(self) -> Option<Number<'a>> {
        if let Value::Number(n) = self {
            Some(n)
        } else {
            None
        }
    }
    /// The boolean, if this is one.
    pub fn as_bool(self) -> Option<bool> {
        if let Value::Bool(b) = self {
            Some(b)
        } else {
            None
        }
    }
}

/// A JSON string as written between its quotes, escapes intact (zero-copy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonStr<'a> {
    raw: &'a str,
}

impl<'a> JsonStr<'a> {
    /// The text between the quotes, with escapes as written.
    pub fn raw(self) -> &'a str {
        self.raw
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
    pub fn chars(self) -> Chars<'a> {
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

/// Iterator over the decoded characters of a [`JsonStr`].
#[derive(Clone, Debug)]
pub struct Chars<'a> {
    rest: core::str::Chars<'a>,
}

impl Chars<'_> {
    fn hex4(&mut self) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            v = v
                .checked_mul(16)?
                .checked_add(self.rest.next()?.to_digit(16)?)?;
        }
        Some(v)
    }
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let c = self.rest.next()?;
        if c != '\\' {
            return Some(c);
        }
        // The document was validated, so every escape here is well formed.
        Some(match self.rest.next()? {
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hi = self.hex4()?;
                if (0xD800..0xDC00).contains(&hi) {
                    self.rest.next()?; // '\'
                    self.rest.next()?; // 'u'
                    let lo = self.hex4()?;
                    let code = 0x10000 + ((hi - 0xD800) << 10) + (lo.checked_sub(0xDC00)?);
                    char::from_u32(code)?
                } else {
                    char::from_u32(hi)?
                }
            }
            other => other, // '"', '\\', '/'
        })
    }
}

/// A JSON number as written (validated grammar).
///
/// Its NumericDate ceiling, `ceil_i64`, is defined in `claims::numeric_date`: that arithmetic
/// belongs to the claims, and `json` does not depend on them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Number<'a> {
    raw: &'a str,
}

impl<'a> Number<'a> {
    /// The number's source text.
    pub fn raw(self) -> &'a str {
        self.raw
    }
}

/// A JSON object borrowed from a validated document.
#[derive(Clone, Copy, Debug)]
pub struct Object<'a> {
    text: &'a str,
}

impl<'a> Object<'a> {
    /// The object's source text, braces included.
    pub fn raw(self) -> &'a str {
        self.text
    }

    /// The members in document order.
    pub fn members(self) -> Members<'a> {
        Members {
            cur: Cursor {
                text: self.text,
                pos: 1,
                check: false,
                max_members: usize::MAX,
            },
            done: false,
        }
    }

    /// The value of member `name` (names are unique in a validated object).
    pub fn get(self, name: &str) -> Option<Value<'a>> {
        self.members().find(|(k, _)| k.eq_str(name)).map(|(_, v)| v)
    }

    /// Whether the object has no members.
    pub fn is_empty(self) -> bool {
        self.members().next().is_none()
    }
}

/// Iterator over an object's members.
#[derive(Clone, Debug)]
pub struct Members<'a> {
    cur: Cursor<'a>,
    done: bool,
}

impl<'a> Iterator for Members<'a> {
    type Item = (JsonStr<'a>, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.cur.member();
        if item.is_none() {
            self.done = true;
        }
        item
    }
}

/// A JSON array borrowed from a validated document.
#[derive(Clone, Copy, Debug)]
pub struct Array<'a> {
    text: &'a str,
}

impl<'a> Array<'a> {
    /// The elements in document order.
    pub fn iter(self) -> Elements<'a> {
        Elements {
            cur: Cursor {
                text: self.text,
                pos: 1,
                check: false,
                max_members: usize::MAX,
            },
            done: false,
        }
    }
}

impl<'a> IntoIterator for Array<'a> {
    type Item = Value<'a>;
    type IntoIter = Elements<'a>;
    fn into_iter(self) -> Elements<'a> {
        self.iter()
    }
}

/// Iterator over an array's elements.
#[derive(Clone, Debug)]
pub struct Elements<'a> {
    cur: Cursor<'a>,
    done: bool,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        if self.done {
            return None;
        }
        self.cur.ws();
        let item = match self.cur.peek() {
            Some(b']') | None => None,
            Some(_) => self.cur.value(MAX_DEPTH_LIMIT).ok(),
        };
        self.cur.ws();
        if self.cur.peek() == Some(b',') {
            self.cur.pos += 1;
        }
        if item.is_none() {
            self.done = true;
        }
        item
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

/// The lexer. With `check` it validates fully; without, it walks an already validated
/// document (and stops quietly at anything unexpected).
#[derive(Clone, Debug)]
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
    check: bool,
    /// Members allowed in one object (checked only with `check`).
    max_members: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
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

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = char::from(self.bump().ok_or(JsonError::Syntax)?)
                .to_digit(16)
                .ok_or(JsonError::Syntax)?;
            v = (v << 4) | d;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<JsonStr<'a>, JsonError> {
        self.expect(b'"')?;
        let start = self.pos;
        loop {
            // Skip the plain run in one scan: the text is already UTF-8, and no byte of a
            // multi-byte character is a quote, a backslash or a control character.
            let rest = self.text.as_bytes().get(self.pos..).unwrap_or_default();
            self.pos += rest
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(rest.len());
            match self.bump().ok_or(JsonError::Syntax)? {
                b'"' => break,
                b'\\' => match self.bump().ok_or(JsonError::Syntax)? {
                    b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                    b'u' => {
                        let unit = self.hex4()?;
                        if (0xDC00..0xE000).contains(&unit) {
                            return Err(JsonError::Syntax); // lone low surrogate
                        }
                        if (0xD800..0xDC00).contains(&unit) {
                            self.expect(b'\\')?;
                            self.expect(b'u')?;
                            if !(0xDC00..0xE000).contains(&self.hex4()?) {
                                return Err(JsonError::Syntax); // lone high surrogate
                            }
                        }
                    }
                    _ => return Err(JsonError::Syntax),
                },
                0x00..=0x1F => return Err(JsonError::Syntax),
                _ => {}
            }
        }
        Ok(JsonStr {
            raw: self.slice(start, self.pos - 1)?,
        })
    }

    fn array(&mut self, depth: u8) -> Result<Value<'a>, JsonError> {
        let start = self.pos;
        if !self.check {
            self.skip_container()?;
            return Ok(Value::Array(Array {
                text: self.slice(start, self.pos)?,
            }));
        }
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

    /// Unchecked walks only: moves past the array or object starting here. The text was
    /// validated, so the container ends at its matching bracket; one scan finds it, where
    /// lexing every nested member again would make lookups and the duplicate-name check
    /// re-read large nested values once per member.
    fn skip_container(&mut self) -> Result<(), JsonError> {
        let bytes = self.text.as_bytes();
        let mut depth = 0usize;
        while let Some(&b) = bytes.get(self.pos) {
            self.pos += 1;
            match b {
                b'"' => loop {
                    let rest = bytes.get(self.pos..).unwrap_or_default();
                    let end = rest
                        .iter()
                        .position(|&c| c == b'"' || c == b'\\')
                        .ok_or(JsonError::Syntax)?;
                    self.pos += end + 1;
                    if rest.get(end) == Some(&b'"') {
                        break;
                    }
                    self.pos += 1; // the escaped character
                },
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1).ok_or(JsonError::Syntax)?;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        Err(JsonError::Syntax)
    }

    fn object(&mut self, depth: u8) -> Result<Value<'a>, JsonError> {
        let start = self.pos;
        if !self.check {
            self.skip_container()?;
            return Ok(Value::Object(Object {
                text: self.slice(start, self.pos)?,
            }));
        }
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
                if self.check && members > self.max_members {
                    return Err(JsonError::TooManyMembers);
                }
                self.ws();
                let member_start = self.pos;
                let name = self.string()?;
                let bits = name_bits(name);
                if self.check && seen & bits == bits {
                    // Earlier members of this object: a truncated view the walker can read.
                    let earlier = Object {
                        text: self.slice(start, member_start)?,
                    };
                    if earlier.members().any(|(k, _)| k.decoded_eq(name)) {
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

    /// Reads one `"name": value` member of a validated object, and the comma after it.
    fn member(&mut self) -> Option<(JsonStr<'a>, Value<'a>)> {
        self.ws();
        let name = self.string().ok()?;
        self.ws();
        self.expect(b':').ok()?;
        let value = self.value(MAX_DEPTH_LIMIT).ok()?;
        self.ws();
        self.eat(b',');
        Some((name, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn navigates_and_decodes() {
        let v =
            ok(r#"{"s":"a\"b\u00e9\ud83d\ude00","n":-1.25e2,"arr":[1,"x",{"k":true}],"z":null}"#);
        let o = v.as_object().unwrap();
        let s = o.get("s").unwrap().as_str().unwrap();
        assert!(s.eq_str("a\"bé😀"));
        assert!(s.as_plain().is_none());
        let mut buf = [0u8; 16];
        assert_eq!(s.decode_into(&mut buf), Some("a\"bé😀"));
        assert_eq!(s.decode_into(&mut [0u8; 3]), None);
        assert_eq!(o.get("n").unwrap().as_number().unwrap().ceil_i64(), -125);
        let arr: heapless::Vec<Value<'_>, 4> =
            o.get("arr").unwrap().as_array().unwrap().iter().collect();
        assert_eq!(arr.len(), 3);
        assert!(
            arr[2]
                .as_object()
                .unwrap()
                .get("k")
                .unwrap()
                .as_bool()
                .unwrap()
        );
        assert!(matches!(o.get("z"), Some(Value::Null)));
        assert!(o.get("missing").is_none());
        assert_eq!(o.members().count(), 4);
    }
}
