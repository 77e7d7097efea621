//! `parse` (jwtgate's private JSON parser, through `_test-hooks`) on arbitrary bytes with a
//! depth of 1..=64 (from the first byte).
//!
//! Checks: no panic; the verdict and the error kind equal the independent model parser's;
//! on success the whole value is walked (members, elements, strings through `chars()`,
//! `Display`, `decode_into`, `eq_str` and `as_plain`, numbers through `ceil_i64`) and equals
//! the model's tree; every object re-parses identically from its own `raw()` slice, every
//! string from its source text as the model read it (quoted: the same `JsonStr`), every
//! number from its `raw()`; `get` finds every member; `ceil_i64` agrees with an exact decimal
//! comparison; a larger depth never rejects what a smaller one accepted; serde_json accepts
//! whatever jwtgate accepts (except numbers beyond f64). `parse_bounded` (the JOSE header's
//! parser, with its member cap and sorted duplicate check) reaches the same verdict within the
//! cap, `TooManyMembers` beyond it.
#![no_main]

use std::cmp::Ordering;

use jwtgate::__testing::{JsonError, MAX_DEPTH_LIMIT, parse, parse_bounded};
use jwtgate::{JsonStr, Value};
use jwtgate_fuzz::model::{self, J, JErr};
use libfuzzer_sys::fuzz_target;

/// Walks `v`, checks it against the model's `m`, and returns its depth.
fn walk(v: Value<'_>, m: &J) -> usize {
    match (v, m) {
        (Value::Null, J::Null) => 0,
        (Value::Bool(a), J::Bool(b)) => {
            assert_eq!(a, *b);
            0
        }
        (Value::Number(n), J::Num(t)) => {
            assert_eq!(n.raw(), t);
            let again = parse(n.raw().as_bytes(), 0).expect("a number re-parses");
            assert_eq!(again.as_number().map(|x| x.raw()), Some(n.raw()));
            check_ceil(n.raw(), n.ceil_i64());
            0
        }
        (Value::String(s), J::Str(text, escaped, raw)) => {
            check_str(s, text, raw.len());
            assert_eq!(s.as_plain().is_none(), *escaped);
            if !escaped {
                assert_eq!(
                    s.as_plain(),
                    Some(raw.as_str()),
                    "as_plain is the source text"
                );
            }
            // The string's source text (as the model read it) re-parses to this very string.
            let quoted = format!("\"{raw}\"");
            let again = parse(quoted.as_bytes(), 0).expect("a string re-parses");
            let again = again.as_str().expect("still a string");
            assert_eq!(again, s, "re-parsed from {quoted}");
            assert!(again.decoded_eq(s));
            0
        }
        (Value::Array(a), J::Arr(items)) => {
            let mut n = 0;
            let mut depth = 0;
            for (e, me) in a.iter().zip(items) {
                depth = depth.max(walk(e, me));
                n += 1;
            }
            assert_eq!(n, items.len());
            assert_eq!(a.iter().count(), items.len());
            1 + depth
        }
        (Value::Object(o), J::Obj(members)) => {
            let again = parse(o.__raw().as_bytes(), MAX_DEPTH_LIMIT)
                .expect("an object re-parses from its raw() slice");
            let again = again.as_object().expect("still an object");
            assert_eq!(again.__raw(), o.__raw());
            assert_eq!(o.members().count(), members.len());
            assert_eq!(again.members().count(), members.len());
            assert_eq!(o.is_empty(), members.is_empty());
            let mut depth = 0;
            for ((k, v), (mk, mv)) in o.members().zip(members) {
                // The model keeps no source text for names: a roomier buffer than the text.
                check_str(k, mk, 2 * mk.len() + 4);
                depth = depth.max(walk(v, mv));
                // `get` by the decoded name finds this very member (names are unique).
                let found = o.get(mk).expect("get finds every member");
                assert!(same(found, v), "get({mk:?}) found another member");
            }
            for ((k1, v1), (k2, v2)) in o.members().zip(again.members()) {
                assert_eq!(k1, k2);
                assert!(same(v1, v2));
            }
            1 + depth
        }
        (v, m) => panic!("jwtgate walked {v:?} where the model has {m:?}"),
    }
}

/// Structural equality of two jwtgate values (by source text where there is one).
fn same(a: Value<'_>, b: Value<'_>) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.raw() == y.raw(),
        // `JsonStr` equality is by source text.
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.iter().count() == y.iter().count() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => x.__raw() == y.__raw(),
        _ => false,
    }
}

/// Checks a string against its decoded `text`. `source_len` is the length of its source text
/// (for member names, just a length beyond the text's): decoding never grows the text, so a
/// buffer that long always suffices.
fn check_str(s: JsonStr<'_>, text: &str, source_len: usize) {
    let chars: String = s.chars().collect();
    assert_eq!(chars, text, "chars() of {s:?}");
    assert_eq!(s.to_string(), text, "Display of {s:?}");
    assert!(s.eq_str(text));
    let mut buf = vec![0u8; source_len];
    assert_eq!(s.decode_into(&mut buf), Some(text));
    // Exactly the decoded length suffices, one byte less does not.
    let mut exact = vec![0u8; text.len()];
    assert_eq!(s.decode_into(&mut exact), Some(text));
    if !text.is_empty() {
        let mut short = vec![0u8; text.len() - 1];
        assert_eq!(s.decode_into(&mut short), None);
    }
}

/// `ceil_i64` is the exact ceiling, saturated to the i64 range.
fn check_ceil(raw: &str, c: i64) {
    let c128 = i128::from(c);
    if c != i64::MAX {
        // value <= c
        assert_ne!(
            model::cmp_num(raw, c128),
            Ordering::Greater,
            "ceil({raw}) = {c} is too small"
        );
    }
    if c != i64::MIN {
        // value > c - 1
        assert_eq!(
            model::cmp_num(raw, c128 - 1),
            Ordering::Greater,
            "ceil({raw}) = {c} is too large"
        );
    }
    if c == i64::MAX {
        assert_eq!(
            model::cmp_num(raw, i128::from(i64::MAX) - 1),
            Ordering::Greater
        );
    }
    if c == i64::MIN {
        assert_ne!(model::cmp_num(raw, i128::from(i64::MIN)), Ordering::Greater);
    }
}

/// The most members any object of `m` has.
fn widest(m: &J) -> usize {
    match m {
        J::Arr(items) => items.iter().map(widest).max().unwrap_or(0),
        J::Obj(members) => members
            .iter()
            .map(|(_, v)| widest(v))
            .max()
            .unwrap_or(0)
            .max(members.len()),
        _ => 0,
    }
}

/// `parse_bounded` against `parse`'s verdict: the same within `cap` members per object.
fn check_bounded(
    doc: &[u8],
    depth: u8,
    cap: usize,
    got: &Result<Value<'_>, JsonError>,
    want: Option<&J>,
) {
    let bounded = parse_bounded(doc, depth, cap);
    match (got, &bounded, want) {
        (Ok(v), Ok(b), Some(m)) => {
            assert!(widest(m) <= cap, "cap {cap} not enforced");
            assert!(same(*v, *b));
        }
        (Ok(_), Err(JsonError::TooManyMembers), Some(m)) => {
            assert!(widest(m) > cap, "cap {cap} refused {} members", widest(m));
        }
        (Err(e), Err(f), _) => assert!(
            f == e || *f == JsonError::TooManyMembers,
            "parse {e:?}, parse_bounded {f:?}"
        ),
        _ => panic!("parse {got:?}, parse_bounded {bounded:?} (cap {cap})"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, doc)) = data.split_first() else {
        return;
    };
    let depth = first % 64 + 1;
    let got = parse(doc, depth);
    let want = model::parse(doc, depth);
    // The header's cap (64), and a small one that the input picks.
    for cap in [64, usize::from(first >> 6) + 1] {
        check_bounded(doc, depth, cap, &got, want.as_ref().ok());
    }
    match (&got, &want) {
        (Ok(v), Ok(m)) => {
            let d = walk(*v, m);
            assert!(d <= usize::from(depth));
            assert_eq!(d, m.depth());
            let deeper = parse(doc, MAX_DEPTH_LIMIT).expect("more depth never rejects");
            assert!(same(*v, deeper));
            match serde_json::from_slice::<serde_json::Value>(doc) {
                Ok(_) => {}
                Err(e) => assert!(
                    e.to_string().starts_with("number out of range"),
                    "serde_json rejects what jwtgate accepts: {e}"
                ),
            }
        }
        (Err(e), Err(w)) => {
            let w = match w {
                JErr::Syntax => JsonError::Syntax,
                JErr::TooDeep => JsonError::TooDeep,
                JErr::Dup => JsonError::DuplicateMember,
            };
            assert_eq!(*e, w, "error kind");
        }
        _ => panic!("jwtgate {got:?}, model {want:?}"),
    }
});
