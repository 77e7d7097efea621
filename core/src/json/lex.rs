//! The validating parser: the exact RFC 8259 grammar, the nesting depth, the member cap and
//! duplicate member names. It reads a document once; [`walk`](super::walk) navigates it after.

use super::names::Names;
use super::scan::Scan;
use super::text::{self, JsonStr};
use super::{Array, JsonError, Number, Object, Value};

/// Called with each member of the document's top-level object as it is read (so also for a
/// document that then turns out invalid).
pub(super) type Visit<'v, 'a> = &'v mut dyn FnMut(JsonStr<'a>, Value<'a>);

/// Validates all of `text` as one JSON value, with room for `N` open names of `S` decoded
/// bytes in the duplicate check (see [`names`](super::names)), showing `visit` the members of
/// a top-level object.
pub(super) fn document<'a, const N: usize, const S: usize>(
    text: &'a str,
    max_depth: u8,
    max_members: usize,
    visit: Option<Visit<'_, 'a>>,
) -> Result<Value<'a>, JsonError> {
    let mut lexer = Lexer {
        text,
        pos: 0,
        max_members,
        names: Names::<N, S>::new(),
        top: max_depth,
        visit,
    };
    let value = lexer.value(max_depth)?;
    lexer.ws();
    if lexer.pos == text.len() {
        Ok(value)
    } else {
        Err(JsonError::Syntax)
    }
}

struct Lexer<'a, 'v, const N: usize, const S: usize> {
    text: &'a str,
    pos: usize,
    /// Members allowed in one object.
    max_members: usize,
    /// The names of the open objects, for the duplicate check.
    names: Names<N, S>,
    /// The depth budget of the document itself: an object lexed with it is the top one.
    top: u8,
    visit: Option<Visit<'v, 'a>>,
}

impl<'a, const N: usize, const S: usize> Scan<'a> for Lexer<'a, '_, N, S> {
    fn text(&self) -> &'a str {
        self.text
    }
    fn pos_mut(&mut self) -> &mut usize {
        &mut self.pos
    }
}

impl<'a, const N: usize, const S: usize> Lexer<'a, '_, N, S> {
    fn expect(&mut self, b: u8) -> Result<(), JsonError> {
        if self.eat(b) {
            Ok(())
        } else {
            Err(JsonError::Syntax)
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
            b't' => self.expect_literal("true").map(|()| Value::Bool(true)),
            b'f' => self.expect_literal("false").map(|()| Value::Bool(false)),
            b'n' => self.expect_literal("null").map(|()| Value::Null),
            b'-' | b'0'..=b'9' => self.number().map(Value::Number),
            _ => Err(JsonError::Syntax),
        }
    }

    fn expect_literal(&mut self, word: &str) -> Result<(), JsonError> {
        if self.literal(word) {
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
        string_at(self.text, &mut self.pos, &mut []).map(|(s, _)| s)
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
            let mut scope = self.names.open();
            loop {
                members += 1;
                if members > self.max_members {
                    return Err(JsonError::TooManyMembers);
                }
                self.ws();
                let member_start = self.pos;
                // Decoded as it is read, straight into the duplicate check's scratch, and
                // checked at once, so a duplicate is reported before anything wrong after it.
                let room = self.names.room(&scope);
                let (name, decoded) = string_at(self.text, &mut self.pos, room)?;
                self.names
                    .insert(&mut scope, self.text, member_start, name, decoded)?;
                self.ws();
                self.expect(b':')?;
                let value = self.value(inner)?;
                if depth == self.top
                    && let Some(visit) = self.visit.as_mut()
                {
                    visit(name, value);
                }
                self.ws();
                if self.eat(b'}') {
                    break;
                }
                self.expect(b',')?;
            }
            self.names.close(scope);
        }
        Ok(Value::Object(Object {
            text: self.slice(start, self.pos)?,
        }))
    }
}

/// Lexes the string whose opening quote is at `*pos`, moving past it, and decodes it into
/// `out` on the way. Returns the string and how many bytes it decoded to, or `None` for that
/// if they did not all fit (values pass an empty `out`; only names need their text).
fn string_at<'a>(
    text: &'a str,
    pos: &mut usize,
    out: &mut [u8],
) -> Result<(JsonStr<'a>, Option<usize>), JsonError> {
    let bytes = text.as_bytes();
    if bytes.get(*pos) != Some(&b'"') {
        return Err(JsonError::Syntax);
    }
    *pos += 1;
    let start = *pos;
    let mut decoded = Some(0usize);
    loop {
        // Skip the plain run in one scan: the text is already UTF-8, and no byte of a
        // multi-byte character is a quote, a backslash or a control character.
        let rest = bytes.get(*pos..).unwrap_or_default();
        let run = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .ok_or(JsonError::Syntax)?;
        if run > 0 {
            decoded = decoded.and_then(|at| {
                let end = at + run;
                out.get_mut(at..end)?.copy_from_slice(rest.get(..run)?);
                Some(end)
            });
        }
        *pos += run + 1;
        match rest.get(run) {
            Some(b'"') => break,
            Some(b'\\') => {
                let after = bytes.get(*pos..).unwrap_or_default();
                let (c, len) = text::escape(after).ok_or(JsonError::Syntax)?;
                decoded = decoded.and_then(|at| {
                    let end = at + c.len_utf8();
                    c.encode_utf8(out.get_mut(at..end)?);
                    Some(end)
                });
                *pos += len;
            }
            _ => return Err(JsonError::Syntax), // a control character
        }
    }
    let raw = text.get(start..*pos - 1).ok_or(JsonError::Syntax)?;
    Ok((JsonStr::new(raw), decoded))
}

#[cfg(test)]
mod tests {
    use super::super::names::{SCRATCH, SLOTS};
    use super::super::{JsonError, Value, parse, parse_bounded};
    use super::document;

    fn ok(s: &str) -> Value<'_> {
        parse(s.as_bytes(), 16).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }
    fn err(s: &str) -> JsonError {
        parse(s.as_bytes(), 16)
            .err()
            .unwrap_or_else(|| panic!("{s} was accepted"))
    }

    /// Picking finds the top-level object's members by decoded name and nothing nested; a
    /// document that is not an object gives nothing.
    #[test]
    fn picks_top_level_members_only() {
        let doc = br#"{"a": 1, "b": {"c": 2, "d": [{"e": 3}]}, "f\u0067": "x"}"#;
        let (_, [a, b, fg, c, e]) =
            super::super::parse_picking(doc, 16, &["a", "b", "fg", "c", "e"]).unwrap();
        assert!(matches!(a, Some(Value::Number(_))));
        assert!(matches!(b, Some(Value::Object(_))));
        assert!(fg.and_then(Value::as_str).is_some_and(|s| s.eq_str("x")));
        assert!(c.is_none() && e.is_none());
        let (_, [nested]) = super::super::parse_picking(br#"[{"a": 1}]"#, 16, &["a"]).unwrap();
        assert!(nested.is_none());
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

    /// Every document gets the same verdict whatever room the duplicate check has: its
    /// fallback (all of `parse`'s check, and `parse_bounded`'s past its room, reached here
    /// with tiny rooms) is as exact as the sorted names.
    #[test]
    fn duplicate_check_agrees_with_its_fallback() {
        extern crate std;
        use std::string::String;
        use std::vec::Vec;
        use std::{format, vec};

        // "n3" plain, with its first character escaped, or fully escaped.
        let spell = |i: usize, way: usize| match way % 3 {
            0 => format!("n{i}"),
            1 => format!("\\u006e{i}"),
            _ => format!("\\u006e\\u003{i}"), // i < 10
        };
        let object = |names: &[String]| {
            let members: Vec<String> = names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    format!(
                        "\"{n}\":{}",
                        if i % 4 == 1 {
                            "{\"x\":[1,{\"y\":2}]}"
                        } else {
                            "0"
                        }
                    )
                })
                .collect();
            format!("{{{}}}", members.join(","))
        };
        let dup = Some(JsonError::DuplicateMember);
        let mut cases: Vec<(String, Option<JsonError>)> = vec![
            // A duplicate is reported where its name is read, before anything wrong after it.
            (String::from(r#"{"a":1,"a":2,}"#), dup),
            (String::from(r#"{"a":1,"\u0061""#), dup),
            (String::from(r#"{"a":{"b":1,"b":2},"c":[}"#), dup),
            (String::from(r#"{"a":{"b":1,"c":2},"a":3}"#), dup),
            (
                String::from(r#"{"a":{"b":1,"c":2},"b":3,"c":{"a":{}}}"#),
                None,
            ),
        ];
        for n in 1..=9 {
            for way in 0..3 {
                let names: Vec<String> = (0..n).map(|i| spell(i, i + way)).collect();
                cases.push((object(&names), None));
                for j in 0..n {
                    let mut twice = names.clone();
                    twice.push(spell(j, j + way + 1));
                    let inner = object(&twice);
                    // Alone, nested after a sibling object, and in an array after one.
                    cases.push((inner.clone(), dup));
                    let outer = object(&names);
                    cases.push((format!(r#"{{"p":{outer},"q":{inner}}}"#), dup));
                    cases.push((format!("[{outer}, {inner}]"), dup));
                    let mut late = names.clone();
                    late.insert(j, String::from("late"));
                    late.push(String::from(r"l\u0061te"));
                    cases.push((object(&late), dup));
                }
            }
        }
        for (doc, want) in &cases {
            let exact = document::<SLOTS, SCRATCH>(doc, 16, usize::MAX, None).err();
            assert_eq!(exact, *want, "{doc}");
            for small in [
                document::<0, 0>(doc, 16, usize::MAX, None).err(),
                document::<1, 64>(doc, 16, usize::MAX, None).err(),
                document::<2, 4>(doc, 16, usize::MAX, None).err(),
                document::<3, 64>(doc, 16, usize::MAX, None).err(),
                document::<256, 5>(doc, 16, usize::MAX, None).err(),
            ] {
                assert_eq!(small, exact, "{doc}");
            }
        }
    }

    #[test]
    fn bounds_depth() {
        assert!(parse(b"[[[1]]]", 3).is_ok());
        assert_eq!(parse(b"[[[1]]]", 2).err(), Some(JsonError::TooDeep));
        let deep = "[".repeat(10_000);
        assert_eq!(parse(deep.as_bytes(), 255).err(), Some(JsonError::TooDeep));
    }
}
