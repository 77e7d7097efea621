//! The byte-cursor moves shared by the validating lexer and the walker: one place for what
//! whitespace is and how a byte or a literal is consumed.

/// A position in JSON text.
pub(super) trait Scan<'a> {
    /// The text.
    fn text(&self) -> &'a str;
    /// The position, as a mutable byte offset into `text`.
    fn pos_mut(&mut self) -> &mut usize;

    /// The byte at the position.
    fn peek(&mut self) -> Option<u8> {
        let pos = *self.pos_mut();
        self.text().as_bytes().get(pos).copied()
    }

    /// Moves past `b` if it is next.
    fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        if found {
            *self.pos_mut() += 1;
        }
        found
    }

    /// Moves past insignificant whitespace (RFC 8259 §2).
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            *self.pos_mut() += 1;
        }
    }

    /// Moves past `word` if it is next.
    fn literal(&mut self, word: &str) -> bool {
        let text = self.text();
        let pos = self.pos_mut();
        let found = pos
            .checked_add(word.len())
            .is_some_and(|end| text.get(*pos..end) == Some(word));
        if found {
            *pos += word.len();
        }
        found
    }
}
