//! Navigation of a document [`lex`](super::lex) already validated: members, elements and the
//! values they hold. Nothing here checks the grammar again; the walk stops quietly at
//! anything unexpected, which validated text never holds.

use super::scan::Scan;
use super::text::JsonStr;
use super::{Array, Number, Object, Value};

/// A position in validated text.
#[derive(Clone, Debug)]
pub(super) struct Walker<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Scan<'a> for Walker<'a> {
    fn text(&self) -> &'a str {
        self.text
    }
    fn pos_mut(&mut self) -> &mut usize {
        &mut self.pos
    }
}

impl<'a> Walker<'a> {
    /// A walk of `text` from byte `pos`.
    pub(super) fn new(text: &'a str, pos: usize) -> Self {
        Walker { text, pos }
    }

    /// Moves past `pred`'s bytes and returns the text it covered.
    fn span_while(&mut self, pred: impl Fn(u8) -> bool) -> Option<&'a str> {
        let start = self.pos;
        while self.peek().is_some_and(&pred) {
            self.pos += 1;
        }
        self.text.get(start..self.pos)
    }

    fn value(&mut self) -> Option<Value<'a>> {
        self.ws();
        let start = self.pos;
        match self.peek()? {
            b'{' => {
                self.skip_container()?;
                let text = self.text.get(start..self.pos)?;
                Some(Value::Object(Object { text }))
            }
            b'[' => {
                self.skip_container()?;
                let text = self.text.get(start..self.pos)?;
                Some(Value::Array(Array { text }))
            }
            b'"' => self.string().map(Value::String),
            b't' => self.literal("true").then_some(Value::Bool(true)),
            b'f' => self.literal("false").then_some(Value::Bool(false)),
            b'n' => self.literal("null").then_some(Value::Null),
            b'-' | b'0'..=b'9' => {
                // Validated, so the number is exactly the run of its grammar's bytes.
                let raw = self
                    .span_while(|b| matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))?;
                Some(Value::Number(Number { raw }))
            }
            _ => None,
        }
    }

    fn string(&mut self) -> Option<JsonStr<'a>> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.pos;
        self.close_string()?;
        let raw = self.text.get(start..self.pos.saturating_sub(1))?;
        Some(JsonStr::new(raw))
    }

    /// Moves past the closing quote of the string whose text starts here. In validated text
    /// a backslash always escapes the byte after it, and no escape ends with a quote.
    fn close_string(&mut self) -> Option<()> {
        let bytes = self.text.as_bytes();
        loop {
            let rest = bytes.get(self.pos..)?;
            let end = rest.iter().position(|&c| c == b'"' || c == b'\\')?;
            self.pos += end + 1;
            if rest.get(end) == Some(&b'"') {
                return Some(());
            }
            self.pos += 1; // the escaped byte
        }
    }

    /// Moves past the array or object starting here. The text was validated, so the
    /// container ends at its matching bracket; one scan finds it, where lexing every nested
    /// member again would make lookups re-read large nested values once per member.
    fn skip_container(&mut self) -> Option<()> {
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'"' => self.close_string()?,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return Some(());
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// Reads one `"name": value` member of a validated object, and the comma after it.
    fn member(&mut self) -> Option<(JsonStr<'a>, Value<'a>)> {
        self.ws();
        let name = self.string()?;
        self.ws();
        if !self.eat(b':') {
            return None;
        }
        let value = self.value()?;
        self.ws();
        self.eat(b',');
        Some((name, value))
    }

    /// Reads one element of a validated array, and the comma after it.
    fn element(&mut self) -> Option<Value<'a>> {
        self.ws();
        let item = match self.peek() {
            Some(b']') | None => None,
            Some(_) => self.value(),
        };
        self.ws();
        self.eat(b',');
        item
    }
}

/// Iterator over an object's members.
#[derive(Clone, Debug)]
pub(crate) struct Members<'a> {
    walk: Walker<'a>,
    done: bool,
}

impl<'a> Members<'a> {
    /// The members of validated object text from byte `pos`: just after the brace, or (for
    /// the duplicate check) where a member starts, with `text` cut just before a later one.
    pub(super) fn new(text: &'a str, pos: usize) -> Self {
        Members {
            walk: Walker::new(text, pos),
            done: false,
        }
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = (JsonStr<'a>, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.walk.member();
        if item.is_none() {
            self.done = true;
        }
        item
    }
}

/// Iterator over an array's elements.
#[derive(Clone, Debug)]
pub(crate) struct Elements<'a> {
    walk: Walker<'a>,
    done: bool,
}

impl<'a> Elements<'a> {
    /// The elements of the validated array text `text`, brackets included.
    pub(super) fn new(text: &'a str) -> Self {
        Elements {
            walk: Walker::new(text, 1),
            done: false,
        }
    }
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        if self.done {
            return None;
        }
        let item = self.walk.element();
        if item.is_none() {
            self.done = true;
        }
        item
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Value, parse};

    fn ok(s: &str) -> Value<'_> {
        parse(s.as_bytes(), 16).unwrap_or_else(|e| panic!("{s}: {e:?}"))
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
