//! Duplicate member names.
//!
//! With room (`parse_bounded`), each name is decoded once, by the lexer as it reads it, onto a
//! stack shared by every open object, and each object's names are kept sorted by their
//! decoded bytes, so a new name costs that one decode and a binary search: at most
//! ⌈log2(members + 1)⌉ byte comparisons. Nothing is hashed, so there are no collisions to
//! choose; escapes cost their one decode, no more.
//!
//! The room is [`SLOTS`] names and [`SCRATCH`] bytes of them, which any JOSE header fits (at
//! most `SCRATCH` bytes, four levels of at most 64 members). An object with a name that does
//! not fit checks it and the rest of its names with the fallback: a binary search of the names
//! it did record, then a Bloom filter in front of a rescan of the members it did not record.
//! `parse` gives no room at all, so every name takes the fallback, which costs a hash per name
//! on real documents. Names can be chosen to collide in that unkeyed filter, making the rescan
//! quadratic in an object's members, and that is acceptable only because of what gets there:
//! payloads, parsed only after their signature verified, and JWK Sets, fetched from the
//! issuer the caller configured.

use core::cmp::Ordering;

use super::JsonError;
use super::text::JsonStr;
use super::walk::Members;

/// Names `parse_bounded` holds at once across all open objects: four levels of 64, a JOSE
/// header's limits.
pub(super) const SLOTS: usize = 256;
/// Decoded bytes of those names: a JOSE header's length limit, which no header's names exceed.
pub(super) const SCRATCH: usize = 2048;

/// A recorded name: where its decoded bytes are in the scratch.
#[derive(Clone, Copy, Debug, Default)]
struct Span {
    start: u16,
    end: u16,
}

/// The decoded names of the open objects, room for `N` of them and `S` bytes.
#[derive(Debug)]
pub(super) struct Names<const N: usize, const S: usize> {
    /// Each open object's names, sorted, the innermost object's on top.
    spans: [Span; N],
    len: usize,
    /// The decoded bytes the spans point into, in the order the names came.
    scratch: [u8; S],
    used: usize,
}

/// One open object's part of [`Names`].
#[derive(Debug)]
pub(super) struct Scope {
    /// Where its names start on the stack and in the scratch (they end at the top).
    base: usize,
    scratch_base: usize,
    /// Once a name did not fit: where the first unrecorded member starts in the text, and
    /// the Bloom filter of the unrecorded names.
    unrecorded: Option<(usize, u128)>,
}

impl<const N: usize, const S: usize> Names<N, S> {
    pub(super) fn new() -> Self {
        Names {
            spans: [Span::default(); N],
            len: 0,
            scratch: [0; S],
            used: 0,
        }
    }

    /// Starts an object, above every object still open.
    pub(super) fn open(&self) -> Scope {
        Scope {
            base: self.len,
            scratch_base: self.used,
            unrecorded: None,
        }
    }

    /// Ends an object: its names are dropped, the enclosing object's are on top again.
    pub(super) fn close(&mut self, scope: Scope) {
        self.len = scope.base;
        self.used = scope.scratch_base;
    }

    /// Where the lexer decodes the next name of `scope`'s object: the free scratch, or
    /// nothing once that object's names no longer fit.
    pub(super) fn room(&mut self, scope: &Scope) -> &mut [u8] {
        if scope.unrecorded.is_some() || self.len >= N {
            return &mut [];
        }
        self.scratch.get_mut(self.used..).unwrap_or_default()
    }

    /// Checks `name`, the name of the member whose opening quote is byte `member_start` of
    /// `text`, against the earlier names of `scope`'s object, and records it. `decoded` is
    /// how many bytes the lexer decoded it to at the top of the scratch ([`Names::room`]),
    /// `None` if they did not fit.
    ///
    /// # Errors
    /// [`JsonError::DuplicateMember`] if an earlier name decodes to the same text.
    pub(super) fn insert(
        &mut self,
        scope: &mut Scope,
        text: &str,
        member_start: usize,
        name: JsonStr<'_>,
        decoded: Option<usize>,
    ) -> Result<(), JsonError> {
        if let Some(len) = decoded
            && self.record(scope, len)?
        {
            return Ok(());
        }
        // The fallback (see the module docs). Once a name is unrecorded, so are the rest of
        // the object's, so the unrecorded members are all those from the first of them on.
        let recorded = self.spans.get(scope.base..self.len).unwrap_or_default();
        let found = recorded.binary_search_by(|&span| {
            let stored = core::str::from_utf8(self.decoded(span)).unwrap_or_default();
            stored.chars().cmp(name.chars())
        });
        if found.is_ok() {
            return Err(JsonError::DuplicateMember);
        }
        let bits = name_bits(name);
        match &mut scope.unrecorded {
            None => scope.unrecorded = Some((member_start, bits)),
            Some((from, seen)) => {
                if *seen & bits == bits {
                    let before = text.get(..member_start).unwrap_or_default();
                    if Members::new(before, *from).any(|(k, _)| k.decoded_eq(name)) {
                        return Err(JsonError::DuplicateMember);
                    }
                }
                *seen |= bits;
            }
        }
        Ok(())
    }

    /// Puts the `len` bytes just decoded at the top of the scratch among the object's sorted
    /// names: `false` (nothing recorded) if the object already overflowed or the stack is full.
    fn record(&mut self, scope: &Scope, len: usize) -> Result<bool, JsonError> {
        if scope.unrecorded.is_some() || self.len >= N {
            return Ok(false);
        }
        let end = self.used.saturating_add(len);
        let (Ok(start), Ok(end)) = (u16::try_from(self.used), u16::try_from(end)) else {
            return Ok(false); // not with S <= 64 KiB
        };
        let new = Span { start, end };
        let name = self.decoded(new);
        let recorded = self.spans.get(scope.base..self.len).unwrap_or_default();
        let at = match recorded.binary_search_by(|&span| order(self.decoded(span), name)) {
            Ok(_) => return Err(JsonError::DuplicateMember),
            Err(at) => scope.base + at,
        };
        let Some(tail) = self.spans.get_mut(at..=self.len) else {
            return Ok(false);
        };
        tail.rotate_right(1);
        if let Some(slot) = tail.first_mut() {
            *slot = new;
        }
        self.len += 1;
        self.used = usize::from(end);
        Ok(true)
    }

    fn decoded(&self, span: Span) -> &[u8] {
        self.scratch
            .get(usize::from(span.start)..usize::from(span.end))
            .unwrap_or_default()
    }
}

/// The byte order of two decoded names, short ones (most) compared in line rather than by
/// a call into `memcmp`.
fn order(a: &[u8], b: &[u8]) -> Ordering {
    if a.len().min(b.len()) > 16 {
        return a.cmp(b);
    }
    match a.iter().zip(b).find(|(x, y)| x != y) {
        Some((x, y)) => x.cmp(y),
        None => a.len().cmp(&b.len()),
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
