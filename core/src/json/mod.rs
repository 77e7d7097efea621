//! Strict, zero-copy, allocation-free JSON (RFC 8259) for JOSE headers, claims and JWK Sets.
//!
//! [`parse`] validates a whole document once: UTF-8 without BOM, the exact grammar (so no
//! `NaN`, no trailing commas, no comments), no lone surrogate escapes, no duplicate member
//! names in any object (compared after unescaping), and a bounded nesting depth. The
//! returned [`Value`] borrows the input; navigating it re-lexes lazily and never allocates.
//!
//! Duplicate detection depends on the entry point. [`parse_bounded`], for documents read
//! before anything vouches for them (a JOSE header), decodes each member name once and keeps
//! each object's names sorted, so no choice of names makes it slow while they fit its fixed
//! room: 2 KiB of names, 256 open at once, which every JOSE header fits. [`parse`], for
//! payloads (parsed only after their signature verified) and JWK Sets (fetched from the
//! configured issuer), and `parse_bounded` past its room, put a Bloom filter in front of a
//! rescan of the earlier members instead: no room needed and cheaper on real documents, but
//! names chosen to collide make it quadratic in an object's members.

mod lex;
mod names;
mod scan;
mod text;
mod walk;

pub use text::JsonStr;
pub(crate) use walk::{Elements, Members};

/// Decoded member-name bytes, and names, that [`parse_bounded`]'s duplicate check holds open
/// at once before it falls back (see the module docs): a JOSE header must fit both.
pub(crate) const EXACT_DUPLICATE_CHECK: (usize, usize) = (names::SCRATCH, names::SLOTS);

/// The deepest nesting any caller may ask for; keeps the recursive descent's stack bounded.
#[allow(unreachable_pub)] // public to jwtgate's own tests (`__testing`)
pub const MAX_DEPTH_LIMIT: u8 = 64;

/// Why a document was rejected. Callers map it to their own catalog error.
#[allow(unreachable_pub)] // public to jwtgate's own tests (`__testing`)
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
/// For documents from a source already trusted or authenticated; see the module docs.
///
/// # Errors
/// [`JsonError`] says which rule the document broke.
#[allow(unreachable_pub)] // public to jwtgate's own tests (`__testing`)
pub fn parse(doc: &[u8], max_depth: u8) -> Result<Value<'_>, JsonError> {
    let text = core::str::from_utf8(doc).map_err(|_| JsonError::Syntax)?;
    // No room: every name takes the Bloom filter, and the parse adds nothing to the stack.
    lex::document::<0, 0>(text, max_depth.min(MAX_DEPTH_LIMIT), usize::MAX, None)
}

/// As [`parse`], also returning the values of the top-level object's members named `names`
/// (in that order, `None` for an absent one), picked up while the document is read: one pass
/// where the caller would otherwise walk the members again.
///
/// # Errors
/// [`JsonError`] says which rule the document broke.
pub(crate) fn parse_picking<'a, const K: usize>(
    doc: &'a [u8],
    max_depth: u8,
    names: &[&str; K],
) -> Result<Picked<'a, K>, JsonError> {
    picking(doc, names, |text, visit| {
        lex::document::<0, 0>(
            text,
            max_depth.min(MAX_DEPTH_LIMIT),
            usize::MAX,
            Some(visit),
        )
    })
}

/// A document and the values [`parse_picking`] picked from its top-level object.
pub(crate) type Picked<'a, const K: usize> = (Value<'a>, [Option<Value<'a>>; K]);

/// Runs a validating parse of `doc` with a visitor that keeps the members named `names`.
fn picking<'a, const K: usize>(
    doc: &'a [u8],
    names: &[&str; K],
    parse: impl FnOnce(&'a str, lex::Visit<'_, 'a>) -> Result<Value<'a>, JsonError>,
) -> Result<Picked<'a, K>, JsonError> {
    let text = core::str::from_utf8(doc).map_err(|_| JsonError::Syntax)?;
    let mut picked = [None; K];
    let value = parse(text, &mut |name, value| {
        keep(&mut picked, names, name, value)
    })?;
    Ok((value, picked))
}

/// Puts `value` in the slot of `picked` whose entry in `names` is `name`, if one is.
fn keep<'a, const K: usize>(
    picked: &mut [Option<Value<'a>>; K],
    names: &[&str; K],
    name: JsonStr<'a>,
    value: Value<'a>,
) {
    // Looked at once per member, not once per wanted name.
    let plain = name.as_plain();
    if let Some(slot) = names
        .iter()
        .position(|n| plain.map_or_else(|| name.eq_str(n), |p| p == *n))
        .and_then(|i| picked.get_mut(i))
    {
        *slot = Some(value);
    }
}

/// As [`parse`], and no object may have more than `max_members` members; for documents
/// nothing vouches for yet, whose duplicate check must not depend on the names chosen.
///
/// # Errors
/// [`JsonError`] says which rule the document broke.
#[cfg(any(test, feature = "_test-hooks"))] // the header parses through `parse_bounded_picking`
#[allow(unreachable_pub)] // public to jwtgate's own tests (`__testing`)
pub fn parse_bounded(
    doc: &[u8],
    max_depth: u8,
    max_members: usize,
) -> Result<Value<'_>, JsonError> {
    parse_bounded_picking(doc, max_depth, max_members, &[]).map(|(value, [])| value)
}

/// As [`parse_bounded`], picking members as [`parse_picking`] does.
///
/// # Errors
/// [`JsonError`] says which rule the document broke.
pub(crate) fn parse_bounded_picking<'a, const K: usize>(
    doc: &'a [u8],
    max_depth: u8,
    max_members: usize,
    names: &[&str; K],
) -> Result<Picked<'a, K>, JsonError> {
    picking(doc, names, |text, visit| {
        lex::document::<{ names::SLOTS }, { names::SCRATCH }>(
            text,
            max_depth.min(MAX_DEPTH_LIMIT),
            max_members,
            Some(visit),
        )
    })
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
    pub(crate) fn text(self) -> &'a str {
        self.text
    }
    /// The object's source text, braces included (jwtgate's own fuzz targets only).
    #[cfg(feature = "_test-hooks")]
    #[doc(hidden)]
    pub fn __raw(self) -> &'a str {
        self.text()
    }

    /// The members in document order: each name (compare it by its decoded text) and value.
    pub fn members(self) -> impl Iterator<Item = (JsonStr<'a>, Value<'a>)> + Clone {
        self.walk()
    }

    pub(crate) fn walk(self) -> Members<'a> {
        Members::new(self.text, 1)
    }

    /// The value of member `name` (names are unique in a validated object).
    pub fn get(self, name: &str) -> Option<Value<'a>> {
        self.members().find(|(k, _)| k.eq_str(name)).map(|(_, v)| v)
    }

    /// The values of the members named `names` (in that order, `None` for an absent one), in
    /// one walk where `get` would take one per name.
    pub(crate) fn pick<const K: usize>(self, names: &[&str; K]) -> [Option<Value<'a>>; K] {
        let mut picked = [None; K];
        for (name, value) in self.walk() {
            keep(&mut picked, names, name, value);
        }
        picked
    }

    /// Whether the object has no members.
    pub fn is_empty(self) -> bool {
        self.members().next().is_none()
    }
}

/// A JSON array borrowed from a validated document.
#[derive(Clone, Copy, Debug)]
pub struct Array<'a> {
    text: &'a str,
}

impl<'a> Array<'a> {
    /// The elements in document order.
    pub fn iter(self) -> impl Iterator<Item = Value<'a>> + Clone {
        self.elements()
    }

    pub(crate) fn elements(self) -> Elements<'a> {
        Elements::new(self.text)
    }
}
