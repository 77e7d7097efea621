//! Property tests: random round trips verify; mutations of a valid token never verify; arbitrary
//! bytes never panic any parser; differentials against serde_json (JSON validity, duplicate
//! names), exact decimal arithmetic (NumericDate ceiling) and a reference strict base64url
//! decoder (coordinates and signature segments).
//!
//! Case counts are modest so the suite stays fast in debug builds; set `PROPTEST_CASES` to run
//! more (it then applies to every property here).

// Helpers outside `#[test]` functions panic on broken fixtures by design: this is a test crate.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

use jwtgate::__testing::{self as json, JsonError};
use jwtgate::Value;
use jwtgate::{Claims, Error, Es256Key, Hs256Secret, KeySet, Policy, UntrustedToken, Unusable};
use jwtgate_tests::{b64, es256_token, hs256_token, jwk, jwk_entries, jwks, signing_key};
use p256::ecdsa::SigningKey;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

const NOW: u64 = 1_700_000_000;

/// `cases` unless `PROPTEST_CASES` asks for something else.
fn config(cases: u32) -> ProptestConfig {
    if std::env::var_os("PROPTEST_CASES").is_some() {
        ProptestConfig::default()
    } else {
        ProptestConfig::with_cases(cases)
    }
}

// ---------------------------------------------------------------------------------------------
// JSON text generation
// ---------------------------------------------------------------------------------------------

/// Encodes `s` as a JSON string literal, escaping the characters `mask` selects (and those that
/// must be escaped), with `\uXXXX` (surrogate pairs beyond the BMP) or the short forms.
fn json_string(s: &str, mask: u64) -> String {
    let mut out = String::from("\"");
    for (i, c) in s.chars().enumerate() {
        let escape = (mask >> (i % 64)) & 1 == 1;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 || escape => {
                let short = match c {
                    '\n' => Some("\\n"),
                    '\t' => Some("\\t"),
                    '\r' => Some("\\r"),
                    '\u{8}' => Some("\\b"),
                    '\u{c}' => Some("\\f"),
                    '/' => Some("\\/"),
                    _ => None,
                };
                match short {
                    Some(s) if i % 2 == 0 => out.push_str(s),
                    _ => {
                        let mut units = [0u16; 2];
                        for unit in c.encode_utf16(&mut units) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    }
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Arbitrary text, weighted towards characters that exercise escaping.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            4 => prop::char::range('a', 'z'),
            1 => prop::sample::select(vec!['"', '\\', '/', '\n', '\t', '\u{0}', '\u{1f}', '\u{7f}']),
            1 => prop::sample::select(vec!['é', 'ß', '\u{2028}', '\u{feff}', '😀', '\u{10ffff}']),
            1 => any::<char>(),
        ],
        0..24,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn json_str() -> impl Strategy<Value = String> {
    (text(), any::<u64>()).prop_map(|(s, mask)| json_string(&s, mask))
}

/// String literal pieces, valid and not, spliced without further escaping.
fn raw_string() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "a",
            "é",
            "😀",
            "\\n",
            "\\\"",
            "\\\\",
            "\\/",
            "\\u00e9",
            "\\u0000",
            "\\ud83d\\ude00",
            "\\uD83D\\uDE00",
            "\\ud800",
            "\\udc00",
            "\\ud800\\u0041",
            "\\x",
            "\\u12",
            "\u{1}",
        ]),
        0..5,
    )
    .prop_map(|pieces| format!("\"{}\"", pieces.concat()))
}

fn number_text() -> impl Strategy<Value = String> {
    "-?(0|[1-9][0-9]{0,9})(\\.[0-9]{1,6})?([eE][+-]?[0-9]{1,2})?"
}

fn key_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "\"a\"", "\"b\"", "\"\\u0061\"", "\"a/b\"", "\"a\\/b\"", "\"exp\"", "\"\\u0065xp\"",
            "\"\"",
        ])
        .prop_map(str::to_owned),
        1 => json_str(),
        1 => raw_string(),
    ]
}

fn ws() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", "", "", " ", "\n", "\r\n\t "])
}

/// Mostly valid JSON documents, with duplicate names, escapes and deep-ish nesting common.
fn json_doc() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        number_text(),
        json_str(),
        raw_string(),
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec((ws(), inner.clone(), ws()), 0..6).prop_map(|items| {
                let items: Vec<String> = items
                    .into_iter()
                    .map(|(a, v, b)| format!("{a}{v}{b}"))
                    .collect();
                format!("[{}]", items.join(","))
            }),
            prop::collection::vec((ws(), key_text(), ws(), inner), 0..6).prop_map(|members| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(a, k, b, v)| format!("{a}{k}{b}:{v}"))
                    .collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

#[derive(Clone, Debug)]
enum Edit {
    None,
    Set(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Delete(prop::sample::Index),
    Truncate(prop::sample::Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    let byte = prop_oneof![
        prop::sample::select(b"{}[]\":,\\ 0123456789.eE+-ntfu\x00\xff".to_vec()),
        any::<u8>(),
    ];
    prop_oneof![
        3 => Just(Edit::None),
        1 => (any::<prop::sample::Index>(), byte.clone()).prop_map(|(i, b)| Edit::Set(i, b)),
        1 => (any::<prop::sample::Index>(), byte).prop_map(|(i, b)| Edit::Insert(i, b)),
        1 => any::<prop::sample::Index>().prop_map(Edit::Delete),
        1 => any::<prop::sample::Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(edit: &Edit, mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.is_empty() {
        if let Edit::Insert(_, b) = edit {
            bytes.push(*b);
        }
        return bytes;
    }
    match edit {
        Edit::None => {}
        Edit::Set(i, b) => {
            let i = i.index(bytes.len());
            bytes[i] = *b;
        }
        Edit::Insert(i, b) => bytes.insert(i.index(bytes.len() + 1), *b),
        Edit::Delete(i) => {
            bytes.remove(i.index(bytes.len()));
        }
        Edit::Truncate(i) => bytes.truncate(i.index(bytes.len())),
    }
    bytes
}

// ---------------------------------------------------------------------------------------------
// serde_json as the reference: validity, and duplicate names after unescaping
// ---------------------------------------------------------------------------------------------

/// Deserializes any JSON value and reports whether some object repeats a (decoded) name, and
/// the most members any object has.
struct DupCheck(bool, usize);

impl<'de> Deserialize<'de> for DupCheck {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(DupVisitor)
    }
}

struct DupVisitor;

impl<'de> Visitor<'de> for DupVisitor {
    type Value = DupCheck;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<DupCheck, E> {
        Ok(DupCheck(false, 0))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<DupCheck, E> {
        Ok(DupCheck(false, 0))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<DupCheck, E> {
        Ok(DupCheck(false, 0))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<DupCheck, E> {
        Ok(DupCheck(false, 0))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<DupCheck, E> {
        Ok(DupCheck(false, 0))
    }
    fn visit_unit<E: de::Error>(self) -> Result<DupCheck, E> {
        Ok(DupCheck(false, 0))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<DupCheck, A::Error> {
        let (mut dup, mut most) = (false, 0);
        while let Some(DupCheck(d, m)) = seq.next_element()? {
            dup |= d;
            most = most.max(m);
        }
        Ok(DupCheck(dup, most))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DupCheck, A::Error> {
        let mut seen = HashSet::new();
        let (mut dup, mut most, mut members) = (false, 0, 0);
        while let Some((key, DupCheck(d, m))) = map.next_entry::<String, DupCheck>()? {
            dup |= d | !seen.insert(key);
            most = most.max(m);
            members += 1;
        }
        Ok(DupCheck(dup, most.max(members)))
    }
}

/// Touches every part of a parsed value through the public navigation API.
fn walk(value: Value<'_>, depth: usize) -> usize {
    assert!(depth <= usize::from(json::MAX_DEPTH_LIMIT) + 1);
    let mut buf = [0u8; 32];
    match value {
        Value::Null | Value::Bool(_) => 1,
        Value::Number(n) => {
            let _ = n.ceil_i64();
            1
        }
        Value::String(s) => {
            let decoded: String = s.chars().collect();
            assert!(s.eq_str(&decoded));
            if let Some(plain) = s.as_plain() {
                assert_eq!(plain, decoded);
            }
            if let Some(d) = s.decode_into(&mut buf) {
                assert_eq!(d, decoded);
            }
            1
        }
        Value::Array(a) => 1 + a.iter().map(|v| walk(v, depth + 1)).sum::<usize>(),
        Value::Object(o) => {
            let mut n = 1;
            for (k, v) in o.members() {
                let name: String = k.chars().collect();
                // Names are unique in a validated object, so `get` finds this very member.
                assert!(o.get(&name).is_some());
                n += walk(v, depth + 1);
            }
            n
        }
    }
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn json_agrees_with_serde_json(doc in json_doc(), edit in edit()) {
        let bytes = apply(&edit, doc.into_bytes());
        let ours = json::parse(&bytes, json::MAX_DEPTH_LIMIT);
        let lax = serde_json::from_slice::<IgnoredAny>(&bytes);
        let strict = serde_json::from_slice::<DupCheck>(&bytes);
        let out_of_range = strict
            .as_ref()
            .err()
            .is_some_and(|e| e.to_string().contains("out of range"));
        match ours {
            Ok(value) => {
                prop_assert!(lax.is_ok(), "we accept what serde_json rejects: {:?}", lax.err());
                if !out_of_range {
                    prop_assert!(matches!(strict, Ok(DupCheck(false, _))), "{:?}", strict.err());
                }
                // The member bound rejects exactly the documents with a larger object.
                if let Ok(DupCheck(_, most)) = strict {
                    for bound in [0, 1, 2, 3, 5] {
                        let bounded = json::parse_bounded(&bytes, json::MAX_DEPTH_LIMIT, bound);
                        prop_assert_eq!(
                            bounded.err(),
                            (most > bound).then_some(JsonError::TooManyMembers)
                        );
                    }
                }
                walk(value, 0);
            }
            Err(JsonError::Syntax) => {
                prop_assert!(strict.is_err(), "we reject as syntax what serde_json accepts");
            }
            Err(JsonError::DuplicateMember) => {
                prop_assert!(!matches!(strict, Ok(DupCheck(false, _))), "no duplicate in fact");
            }
            Err(JsonError::TooDeep | JsonError::TooManyMembers) => {}
            Err(other) => prop_assert!(false, "an error this test does not know: {other:?}"),
        }
    }

    #[test]
    fn json_never_panics_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..256),
        depth in any::<u8>(),
    ) {
        if let Ok(v) = json::parse(&bytes, depth) {
            walk(v, 0);
        }
        let bounded = json::parse_bounded(&bytes, depth, 3);
        if let Ok(v) = bounded {
            walk(v, 0);
        }
        let _ = Claims::parse(&bytes, depth);
    }

    #[test]
    fn claims_parse_never_panics_on_json(doc in json_doc(), depth in 0u8..20) {
        if let Ok(claims) = Claims::parse(doc.as_bytes(), depth) {
            // The object's text is the payload without the JSON whitespace around it.
            prop_assert_eq!(claims.json(), doc.trim_matches([' ', '\t', '\n', '\r']));
            prop_assert_eq!(claims.raw(), doc.as_bytes());
            let _ = claims.supabase();
            let _ = Policy::new().issuer("x").audience("y").leeway(5).check(&claims, NOW);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// NumericDate ceiling vs exact decimal arithmetic
// ---------------------------------------------------------------------------------------------

/// The exact ceiling of `±digits × 10^exp`, clamped to `i64`.
fn reference_ceil(negative: bool, digits: u128, exp: i32) -> i64 {
    let clamp = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
    let signed = |m: i128| if negative { -m } else { m };
    if exp >= 0 {
        let scaled = u32::try_from(exp)
            .ok()
            .and_then(|e| 10u128.checked_pow(e))
            .and_then(|p| digits.checked_mul(p));
        return match scaled {
            Some(v) => clamp(signed(i128::try_from(v).unwrap_or(i128::MAX))),
            None if digits == 0 => 0,
            None => {
                if negative {
                    i64::MIN
                } else {
                    i64::MAX
                }
            }
        };
    }
    let (q, r) = match 10u128.checked_pow(exp.unsigned_abs()) {
        Some(p) => (digits / p, digits % p),
        None => (0, digits),
    };
    let q = i128::try_from(q).unwrap_or(i128::MAX);
    if negative {
        clamp(-q)
    } else {
        clamp(q + i128::from(r != 0))
    }
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn numeric_date_ceiling_is_exact(
        negative in any::<bool>(),
        int in "0|[1-9][0-9]{0,17}",
        frac in "[0-9]{0,18}",
        exp in -45i32..45,
        exp_style in 0usize..4,
    ) {
        let mut text = String::new();
        if negative {
            text.push('-');
        }
        text.push_str(&int);
        if !frac.is_empty() {
            text.push('.');
            text.push_str(&frac);
        }
        let exp = match exp_style {
            0 => 0, // no exponent at all
            1 => {
                text.push_str(&format!("e{exp}"));
                exp
            }
            2 => {
                text.push_str(&format!("E{}{exp}", if exp >= 0 { "+" } else { "" }));
                exp
            }
            _ => {
                text.push_str(&format!("e{}{:03}", if exp < 0 { "-" } else { "" }, exp.abs()));
                exp
            }
        };
        let digits: u128 = format!("{int}{frac}").parse().expect("digits");
        let frac_len = i32::try_from(frac.len()).expect("short");
        let want = reference_ceil(negative, digits, exp - frac_len);
        let value = json::parse(text.as_bytes(), 1).expect("valid JSON number");
        let got = value.as_number().expect("a number").ceil_i64();
        prop_assert_eq!(got, want, "{}", text);
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips through the full token path
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum DateForm {
    Integer,
    Fraction,
    Exponent,
}

fn date_text(value: u64, form: &DateForm) -> String {
    match form {
        DateForm::Integer => value.to_string(),
        // A fraction just below the value: the ceiling is the value itself.
        DateForm::Fraction => format!("{}.25", value - 1),
        DateForm::Exponent => format!("{value}0e-1"),
    }
}

#[derive(Clone, Debug)]
struct ClaimsCase {
    sub: String,
    sub_mask: u64,
    exp_in: u64,
    exp_form: DateForm,
    nbf_ago: Option<u64>,
    iat_ago: Option<u64>,
    iss: Option<String>,
    aud: Option<(Vec<String>, usize, bool)>,
    leeway: u64,
    extra: Vec<(String, String)>,
}

fn claims_case() -> impl Strategy<Value = ClaimsCase> {
    let date_form = prop_oneof![
        Just(DateForm::Integer),
        Just(DateForm::Fraction),
        Just(DateForm::Exponent)
    ];
    (
        (text(), any::<u64>(), 1u64..1_000_000, date_form),
        (
            prop::option::of(0u64..1_000_000),
            prop::option::of(0u64..1_000_000),
        ),
        (
            prop::option::of(text()),
            prop::option::of((
                prop::collection::vec(text(), 1..4),
                any::<prop::sample::Index>(),
                any::<bool>(),
            )),
            0u64..120,
        ),
        prop::collection::vec(("x_[a-z]{1,8}", json_doc()), 0..3),
    )
        .prop_map(
            |((sub, sub_mask, exp_in, exp_form), (nbf_ago, iat_ago), (iss, aud, leeway), extra)| {
                let aud = aud.map(|(list, i, one)| {
                    let i = i.index(list.len());
                    (list, i, one)
                });
                ClaimsCase {
                    sub,
                    sub_mask,
                    exp_in,
                    exp_form,
                    nbf_ago,
                    iat_ago,
                    iss,
                    aud,
                    leeway,
                    extra,
                }
            },
        )
}

impl ClaimsCase {
    fn exp(&self) -> u64 {
        NOW + self.exp_in
    }

    /// The payload text and a policy that must accept it.
    fn payload(&self) -> String {
        let mut members = vec![
            format!("\"sub\":{}", json_string(&self.sub, self.sub_mask)),
            format!("\"exp\":{}", date_text(self.exp(), &self.exp_form)),
        ];
        if let Some(ago) = self.nbf_ago {
            members.push(format!("\"nbf\":{}", NOW - ago));
        }
        if let Some(ago) = self.iat_ago {
            members.push(format!("\"iat\":{}", NOW - ago));
        }
        if let Some(iss) = &self.iss {
            members.push(format!(
                "\"iss\":{}",
                json_string(iss, self.sub_mask.rotate_left(7))
            ));
        }
        if let Some((list, i, one)) = &self.aud {
            if *one {
                members.push(format!("\"aud\":{}", json_string(&list[*i], 0)));
            } else {
                let items: Vec<String> = list.iter().map(|a| json_string(a, !0)).collect();
                members.push(format!("\"aud\":[{}]", items.join(",")));
            }
        }
        // Extra claims whose values are valid JSON of any shape (and duplicates-free names).
        let mut seen = HashSet::new();
        for (name, value) in &self.extra {
            if seen.insert(name.clone())
                && let Ok(Value::Object(_) | Value::Array(_) | Value::String(_)) =
                    json::parse(value.as_bytes(), 8)
            {
                members.push(format!("\"{name}\":{value}"));
            }
        }
        format!("{{{}}}", members.join(","))
    }

    fn policy(&self) -> Policy<'_> {
        let mut policy = Policy::new().leeway(self.leeway);
        if let Some(iss) = &self.iss {
            policy = policy.issuer(iss);
        }
        if let Some((list, i, _)) = &self.aud {
            policy = policy.audience(&list[*i]);
        }
        policy
    }

    fn check(&self, verified: &jwtgate::Verified<'_>) -> Result<(), TestCaseError> {
        let claims = verified.claims();
        prop_assert!(claims.sub().expect("sub").eq_str(&self.sub));
        prop_assert_eq!(claims.exp(), i64::try_from(self.exp()).expect("fits"));
        if let Some(iss) = &self.iss {
            prop_assert!(claims.iss().expect("iss").eq_str(iss));
        }
        Ok(())
    }
}

fn valid_scalar() -> impl Strategy<Value = SigningKey> {
    prop::array::uniform32(any::<u8>()).prop_filter_map("not a valid scalar", |b| {
        SigningKey::from_bytes(&b.into()).ok()
    })
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn es256_round_trip_verifies(
        key in valid_scalar(),
        case in claims_case(),
        kid in prop::option::of("[A-Za-z0-9_-]{1,40}"),
        decoys in 0usize..3,
    ) {
        let payload = case.payload();
        let header = match &kid {
            Some(kid) => format!(r#"{{"alg":"ES256","typ":"JWT","kid":"{kid}"}}"#),
            None => r#"{"alg":"ES256"}"#.to_owned(),
        };
        let token = es256_token(&key, &header, &payload);
        // With a kid, decoy keys under other kids around it; without, the key must be alone.
        let mut entries = Vec::new();
        if let Some(kid) = &kid {
            for d in 0..decoys {
                let decoy = signing_key(u8::try_from(d + 2).expect("small"));
                entries.push(jwk(&decoy, &format!(r#""kid":"decoy-{d}-{kid}""#)));
            }
            entries.insert(decoys / 2, jwk(&key, &format!(r#""kid":"{kid}""#)));
        } else {
            entries.push(jwk(&key, ""));
        }
        let mut keys = KeySet::<4>::new();
        keys.load(jwks(&entries).as_bytes()).expect("loads");
        let mut buf = vec![0u8; token.len()];
        let policy = case.policy();
        let verified = jwtgate::verify(token.as_bytes(), &mut buf, &keys, &policy, NOW);
        prop_assert!(verified.is_ok(), "{:?}\n{}", verified.err(), payload);
        let verified = verified.expect("checked");
        case.check(&verified)?;
        // Expiry is exact: valid until exp + leeway, not a second longer.
        let last = case.exp() + case.leeway;
        let mut buf = vec![0u8; token.len()];
        prop_assert_eq!(
            jwtgate::verify(token.as_bytes(), &mut buf, &keys, &policy, last).map(|_| ()),
            Err(Error::TokenExpired)
        );
    }

    #[test]
    fn hs256_round_trip_verifies(
        secret in prop::collection::vec(any::<u8>(), 32..96),
        case in claims_case(),
    ) {
        let payload = case.payload();
        let token = hs256_token(&secret, r#"{"alg":"HS256","typ":"JWT"}"#, &payload);
        let policy = case.policy().hs256(Hs256Secret::new(&secret).expect("long"));
        let mut buf = vec![0u8; token.len()];
        let keys = KeySet::<1>::new();
        let verified = jwtgate::verify(token.as_bytes(), &mut buf, &keys, &policy, NOW);
        prop_assert!(verified.is_ok(), "{:?}\n{}", verified.err(), payload);
        case.check(&verified.expect("checked"))?;
        // Without the secret configured it is never accepted.
        let mut buf = vec![0u8; token.len()];
        prop_assert_eq!(
            jwtgate::verify(token.as_bytes(), &mut buf, &keys, &case.policy(), NOW).map(|_| ()),
            Err(Error::AlgNotAllowed)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations of a valid token
// ---------------------------------------------------------------------------------------------

struct Fixture {
    token: String,
    keys: KeySet<4>,
    hs_token: String,
}

const HS_SECRET: [u8; 32] = [0x5c; 32];

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = signing_key(1);
        let payload = format!(
            r#"{{"iss":"https://issuer.example","sub":"user-1","aud":["authenticated"],"exp":{},"nbf":{NOW},"role":"authenticated"}}"#,
            NOW + 600
        );
        let token = es256_token(&key, r#"{"alg":"ES256","typ":"JWT","kid":"k1"}"#, &payload);
        let hs_token = hs256_token(&HS_SECRET, r#"{"alg":"HS256","typ":"JWT"}"#, &payload);
        let mut keys = KeySet::new();
        keys.load(
            jwks(&[
                jwk(&key, r#""kid":"k1""#),
                jwk(&signing_key(2), r#""kid":"k2""#),
            ])
            .as_bytes(),
        )
        .expect("loads");
        let fixture = Fixture {
            token,
            keys,
            hs_token,
        };
        assert_eq!(verify_fixture(&fixture, fixture.token.as_bytes()), Ok(()));
        assert_eq!(verify_fixture(&fixture, fixture.hs_token.as_bytes()), Ok(()));
        fixture
    })
}

fn verify_fixture(fixture: &Fixture, token: &[u8]) -> Result<(), Error> {
    let policy = Policy::new()
        .issuer("https://issuer.example")
        .audience("authenticated")
        .hs256(Hs256Secret::new(&HS_SECRET).expect("32"));
    let mut buf = vec![0u8; token.len()];
    jwtgate::verify(token, &mut buf, &fixture.keys, &policy, NOW).map(|_| ())
}

#[derive(Clone, Debug)]
enum Mutation {
    Byte(Edit),
    FlipBit(prop::sample::Index, u8),
    Truncate(prop::sample::Index),
    SwapSegments(usize, usize),
    DuplicateSegment(usize),
    DropSegment(usize),
    SpliceOtherSignature,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => edit().prop_map(Mutation::Byte),
        3 => (any::<prop::sample::Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        1 => any::<prop::sample::Index>().prop_map(Mutation::Truncate),
        1 => (0usize..3, 0usize..3).prop_map(|(a, b)| Mutation::SwapSegments(a, b)),
        1 => (0usize..3).prop_map(Mutation::DuplicateSegment),
        1 => (0usize..3).prop_map(Mutation::DropSegment),
        1 => Just(Mutation::SpliceOtherSignature),
    ]
}

fn mutate(token: &str, other: &str, m: &Mutation) -> Vec<u8> {
    let segs: Vec<&str> = token.split('.').collect();
    match m {
        Mutation::Byte(e) => apply(e, token.as_bytes().to_vec()),
        Mutation::FlipBit(i, bit) => {
            let mut b = token.as_bytes().to_vec();
            let i = i.index(b.len());
            b[i] ^= 1 << bit;
            b
        }
        Mutation::Truncate(i) => token.as_bytes()[..i.index(token.len())].to_vec(),
        Mutation::SwapSegments(a, b) => {
            let mut s = segs.clone();
            s.swap(*a, *b);
            s.join(".").into_bytes()
        }
        Mutation::DuplicateSegment(a) => {
            let mut s = segs.clone();
            s.insert(*a, segs[*a]);
            s.join(".").into_bytes()
        }
        Mutation::DropSegment(a) => {
            let mut s = segs.clone();
            s.remove(*a);
            s.join(".").into_bytes()
        }
        Mutation::SpliceOtherSignature => {
            let sig = other.rsplit('.').next().expect("signature");
            format!("{}.{}.{sig}", segs[0], segs[1]).into_bytes()
        }
    }
}

proptest! {
    #![proptest_config(config(192))]

    #[test]
    fn mutated_tokens_never_verify(m in mutation(), hs in any::<bool>()) {
        let f = fixture();
        let (token, other) = if hs { (&f.hs_token, &f.token) } else { (&f.token, &f.hs_token) };
        let bytes = mutate(token, other, &m);
        prop_assume!(bytes != token.as_bytes());
        prop_assert!(verify_fixture(f, &bytes).is_err(), "{:?} verified", m);
        // Parsing alone never panics either, whatever the buffer.
        for size in [0usize, 16, bytes.len()] {
            let mut buf = vec![0u8; size];
            let _ = UntrustedToken::parse(&bytes, &mut buf);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Arbitrary input never panics
// ---------------------------------------------------------------------------------------------

/// Token-shaped text: base64url of random JSON-ish headers and payloads, random signatures.
fn token_like() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![
            json_doc(),
            Just(r#"{"alg":"ES256","kid":"k1"}"#.to_owned()),
            Just(r#"{"alg":"HS256"}"#.to_owned()),
            Just(r#"{"alg":"none"}"#.to_owned()),
        ],
        json_doc(),
        prop::collection::vec(any::<u8>(), 0..100),
        edit(),
    )
        .prop_map(|(h, p, s, e)| {
            apply(
                &e,
                format!("{}.{}.{}", b64(h.as_bytes()), b64(p.as_bytes()), b64(&s)).into_bytes(),
            )
        })
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn token_parsing_never_panics(
        bytes in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..400),
            "[A-Za-z0-9_=+/. -]{0,300}".prop_map(String::into_bytes),
            token_like(),
        ],
        size in 0usize..600,
    ) {
        let f = fixture();
        let mut buf = vec![0u8; size];
        if let Ok(t) = UntrustedToken::parse(&bytes, &mut buf) {
            let _ = (t.alg(), t.kid(), t.alg().name());
            let policy = Policy::new().hs256(Hs256Secret::new(&[1u8; 32]).expect("32"));
            prop_assert!(t.verify(&f.keys, &policy, NOW).is_err());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// JWK Set loading
// ---------------------------------------------------------------------------------------------

fn real_coordinates() -> &'static (String, String) {
    static XY: OnceLock<(String, String)> = OnceLock::new();
    XY.get_or_init(|| {
        let point = signing_key(3).verifying_key().to_encoded_point(false);
        (b64(point.x().expect("x")), b64(point.y().expect("y")))
    })
}

/// A JWK-ish object: members drawn from good and bad values, or arbitrary JSON.
fn jwk_like() -> impl Strategy<Value = String> {
    let (x, y) = real_coordinates().clone();
    let coordinate = prop_oneof![
        3 => Just(format!("\"{x}\"")),
        3 => Just(format!("\"{y}\"")),
        1 => prop::collection::vec(any::<u8>(), 30..35).prop_map(|b| format!("\"{}\"", b64(&b))),
        1 => json_str(),
        1 => Just("1".to_owned()),
    ];
    // Each member at most once (a repeated name would spoil the whole document).
    let member = |name: &'static str, values: Vec<&'static str>| {
        prop::option::weighted(0.7, prop::sample::select(values))
            .prop_map(move |v| v.map(|v| format!("\"{name}\":{v}")))
    };
    let object = (
        (
            member(
                "kty",
                vec!["\"EC\"", "\"EC\"", "\"RSA\"", "\"oct\"", "\"OKP\"", "1"],
            ),
            member("crv", vec!["\"P-256\"", "\"P-256\"", "\"P-384\"", "null"]),
            prop::option::weighted(0.8, coordinate.clone())
                .prop_map(|v| v.map(|v| format!("\"x\":{v}"))),
            prop::option::weighted(0.8, coordinate).prop_map(|v| v.map(|v| format!("\"y\":{v}"))),
        ),
        (
            prop::option::of("[a-c]{0,3}").prop_map(|k| k.map(|k| format!("\"kid\":\"{k}\""))),
            member("use", vec!["\"sig\"", "\"enc\"", "7"]),
            member(
                "key_ops",
                vec!["[\"verify\"]", "[\"sign\"]", "[]", "\"verify\"", "[1]"],
            ),
            member("alg", vec!["\"ES256\"", "\"ES384\"", "\"RS256\"", "false"]),
            prop::option::weighted(0.1, json_doc()).prop_map(|v| v.map(|v| format!("\"ext\":{v}"))),
        ),
    )
        .prop_map(|((a, b, c, d), (e, f, g, h, i))| {
            let members: Vec<String> = [a, b, c, d, e, f, g, h, i].into_iter().flatten().collect();
            format!("{{{}}}", members.join(","))
        });
    let (x, y) = real_coordinates().clone();
    prop_oneof![
        4 => object,
        2 => Just(format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}"}}"#)),
        1 => json_doc(),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn key_set_loading_is_total_and_keeps_old_keys_on_failure(
        entries in prop::collection::vec(jwk_like(), 0..8),
        edit in prop::option::weighted(0.25, edit()),
    ) {
        let doc = format!(r#"{{"keys":[{}]}}"#, entries.join(",")).into_bytes();
        let doc = apply(&edit.unwrap_or(Edit::None), doc);
        let mut keys = KeySet::<3>::new();
        keys.load(jwks(&[jwk(&signing_key(9), r#""kid":"old""#)]).as_bytes()).expect("loads");
        match keys.load(&doc) {
            Ok(report) => {
                let verdicts: Vec<_> = jwk_entries(&doc).expect("loadable means inspectable")
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect();
                // A well-formed set is authoritative, even with no usable key.
                let usable = verdicts.iter().filter(|v| v.is_ok()).count();
                prop_assert_eq!(report.loaded + report.overflow, usable);
                prop_assert_eq!(report.skipped, verdicts.len() - usable);
                prop_assert_eq!(report.loaded, usable.min(3));
                let first: Vec<_> = verdicts.into_iter().filter_map(Result::ok).take(3).collect();
                prop_assert_eq!(keys.keys(), first.as_slice());
            }
            Err(e) => {
                prop_assert_eq!(e, Error::JwksInvalid);
                prop_assert_eq!(keys.keys().len(), 1);
                prop_assert_eq!(keys.keys()[0].kid(), Some("old"));
                // Only a document that is no JWK Set fails to load.
                prop_assert!(jwk_entries(&doc).is_none());
            }
        }
    }

    #[test]
    fn key_set_loading_never_panics_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        let mut keys = KeySet::<2>::new();
        let _ = keys.load(&bytes);
        if let Some(all) = jwk_entries(&bytes) {
            for (v, verdict) in all {
                let _ = verdict.map(|k| (k.kid().map(str::len), k.alg()));
                walk(v, 0);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Strict base64url: a reference decoder as oracle
// ---------------------------------------------------------------------------------------------

/// RFC 4648 §5 without padding, canonical trailing bits, nothing else accepted.
fn reference_b64(text: &str) -> Option<Vec<u8>> {
    let mut values = Vec::new();
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        values.push(u32::from(v));
    }
    let (unused, keep) = match values.len() % 4 {
        0 => (0, 0),
        2 => (4, 1),
        3 => (2, 2),
        _ => return None,
    };
    let mut out = Vec::new();
    let full = values.len() / 4 * 4;
    for q in values[..full].chunks(4) {
        let n = (q[0] << 18) | (q[1] << 12) | (q[2] << 6) | q[3];
        out.extend_from_slice(&n.to_be_bytes()[1..]);
    }
    let tail = &values[full..];
    if !tail.is_empty() {
        let mut n = 0u32;
        for (i, v) in tail.iter().enumerate() {
            n |= v << (18 - 6 * i);
        }
        let last = *tail.last().expect("non-empty");
        if last & ((1 << unused) - 1) != 0 {
            return None;
        }
        out.extend_from_slice(&n.to_be_bytes()[1..=keep]);
    }
    Some(out)
}

/// A base64url text with one random edit from characters that matter.
fn b64_edit(base: String) -> impl Strategy<Value = String> {
    let len = base.len();
    let ch = prop::sample::select(
        b"ABCQRSabcwxyz019-_+/= \n.\\\"AAAA"
            .iter()
            .map(|&b| char::from(b))
            .collect::<Vec<_>>(),
    );
    (0..4usize, 0..=len, ch).prop_map(move |(kind, i, c)| {
        let mut s = base.clone();
        match kind {
            0 if i < len => {
                s.replace_range(i..=i, &c.to_string());
            }
            1 => s.insert(i, c),
            2 if i < len => {
                s.remove(i);
            }
            _ => s.push(c),
        }
        s
    })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn jwk_coordinates_are_strict_base64url(
        x in b64_edit(real_coordinates().0.clone()),
    ) {
        let y = &real_coordinates().1;
        // The edited text goes into JSON verbatim, as long as it stays a valid JSON string.
        let text = format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}"}}"#);
        prop_assume!(!x.contains('"') && !x.contains('\\') && !x.contains('\n'));
        let value = json::parse(text.as_bytes(), 4).expect("valid JSON");
        let got = json::parse_jwk(value).map(|k| *k.es256_key().expect("an ES256 key"));
        match reference_b64(&x).and_then(|b| <[u8; 32]>::try_from(b).ok()) {
            None => prop_assert_eq!(got, Err(Unusable::BadCoordinates), "{}", x),
            Some(bytes) => {
                let y: [u8; 32] = reference_b64(y).expect("b64").try_into().expect("32");
                prop_assert_eq!(got, Es256Key::from_coordinates(&bytes, &y), "{}", x);
            }
        }
    }

    #[test]
    fn signature_segment_is_strict_base64url(
        sig in b64_edit(fixture().token.rsplit('.').next().expect("sig").to_owned()),
    ) {
        let f = fixture();
        let input = f.token.rsplit_once('.').expect("3 segments").0;
        prop_assume!(!sig.contains('.'));
        let token = format!("{input}.{sig}");
        let got = verify_fixture(f, token.as_bytes());
        let original = f.token.rsplit('.').next().expect("sig");
        let want = match reference_b64(&sig) {
            None => Err(Error::TokenMalformed),
            Some(_) if sig == original => Ok(()),
            Some(_) => Err(Error::SignatureInvalid),
        };
        prop_assert_eq!(got, want, "{}", sig);
    }

    #[test]
    fn base64ct_agrees_with_the_reference_decoder(
        text in prop_oneof![
            "[A-Za-z0-9_=+/ -]{0,20}",
            prop::collection::vec(any::<u8>(), 0..20).prop_flat_map(|b| b64_edit(b64(&b))),
        ],
    ) {
        use base64ct::{Base64UrlUnpadded, Encoding};
        prop_assert_eq!(Base64UrlUnpadded::decode_vec(&text).ok(), reference_b64(&text), "{}", text);
    }
}

/// `Claims::json` is the payload's object, exactly, without the whitespace around it, and
/// keeps non-ASCII text as it came.
#[test]
fn claims_json_is_the_payload_object() {
    let object = "{\"exp\": 1, \"name\": \"Zo\u{eb} \u{1f511}\", \"n\": [1, {}]}";
    for doc in [object.to_owned(), format!(" \n\t{object}\r\n ")] {
        let claims = Claims::parse(doc.as_bytes(), 8).unwrap();
        assert_eq!(claims.json(), object);
        assert_eq!(claims.raw(), doc.as_bytes());
    }
}
