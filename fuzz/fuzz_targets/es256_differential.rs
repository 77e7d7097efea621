//! Differential ES256: jwtgate against jsonwebtoken (rust_crypto backend, i.e. RustCrypto
//! p256 behind jsonwebtoken's own token splitting, base64url, serde_json header and payload
//! parsing and algorithm checks) plus claim checks written here over serde_json.
//!
//! Tokens come from the input as is (when it starts with a base64url character or `.`), or
//! are built from it ([`TokenSpec`]): fuzzer-chosen header and payload, signed with a real
//! P-256 key (the one in the set, another one, a high-S variant...), then optionally
//! mutated. Both verifiers use the same key (kid "k1"), time and two policies (issuer "joe"
//! with 30 s leeway; audience "aud1"). jwtgate verifies each token three times, with no
//! per-key table and with its `SmallTable` and `LargeTable` combs; the three must agree
//! exactly (these are jwtgate's own variable-time P-256 paths).
//!
//! The reference side: `jsonwebtoken::decode` with `Validation::new(ES256)` and its own claim
//! validation switched off (it reads the system clock, rounds fractional NumericDates to
//! the nearest second, refuses negative ones and accepts `exp == now - leeway`), a key
//! chosen by the header's kid (absent or "k1"), then the claim rules of DESIGN.md checked
//! here on serde_json's view of the payload: `exp` required and a JSON number, `nbf`/`iat`
//! numbers, `iss`/`sub`/`jti` strings, `aud` a string or an array of strings; exact
//! `now < exp + leeway` and `nbf <= now + leeway`; `iss` equal; `aud` equal or contained.
//!
//! Verdicts (accept/reject) must agree, except where DESIGN.md is deliberately stricter than
//! jsonwebtoken — then jwtgate must reject, whatever the reference says:
//! 1. duplicate member names in the header or the payload (serde_json keeps the last one;
//!    jsonwebtoken's derived structs refuse only some);
//! 2. non-canonical base64url trailing bits (jsonwebtoken's `base64` engine refuses them too,
//!    kept as a rule in case it stops doing so);
//! 3. `crit` in the header (any value);
//! 4. `b64` in the header with any value but `true`;
//! 5. `kid` present but not a string (jsonwebtoken reads `"kid": null` as no kid);
//! 6. JSON nesting beyond jwtgate's limits (header 4, payload 16; serde_json allows 128);
//! 7. decoded header + payload larger than the verifier's buffer (2048 bytes here).
//!
//! NaN/Infinity, lone surrogates, BOMs, a string `exp` and other wrongly typed registered
//! claims are DESIGN rules too, but the reference refuses them as well (serde_json's grammar,
//! the claim checks above), so they are compared, not skipped.
//!
//! And where jsonwebtoken is stricter than DESIGN.md — then only "reference accepts =>
//! jwtgate accepts" is checked:
//! 8. header members jsonwebtoken types but jwtgate ignores (`typ`, `cty`, `jku`, `jwk`,
//!    `x5u`, `x5c`, `x5t`, `x5t#S256`, `enc`, `zip`, `url`, `nonce`) holding another type;
//! 9. numbers beyond the f64 range anywhere (serde_json refuses them; jwtgate saturates
//!    NumericDates and ignores other numbers).
#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use jwtgate::{KeySet, LargeTable, SmallTable};
use jwtgate_fuzz::fixtures::{self, KeyId, NOW};
use jwtgate_fuzz::model::{self, J, JErr};
use jwtgate_fuzz::spec::TokenSpec;
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;

const BUF: usize = 2048;

struct Fixed {
    set: KeySet<4>,
    small: Box<KeySet<4, SmallTable>>,
    large: Box<KeySet<4, LargeTable>>,
    key: DecodingKey,
    validation: Validation,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let doc = fixtures::jwks(&[fixtures::jwk(KeyId::A, r#""kid":"k1""#)]);
        let mut set = KeySet::new();
        set.load(doc.as_bytes()).expect("fixture set");
        let mut small = Box::new(KeySet::<4, SmallTable>::new());
        small.load(doc.as_bytes()).expect("fixture set");
        let mut large = Box::new(KeySet::<4, LargeTable>::new());
        large.load(doc.as_bytes()).expect("fixture set");
        let (x, y) = fixtures::coordinates(KeyId::A);
        let key = DecodingKey::from_ec_components(&x, &y).expect("key");
        let mut validation = Validation::new(Algorithm::ES256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        Fixed {
            set,
            small,
            large,
            key,
            validation,
        }
    })
}

struct RefPolicy {
    iss: Option<&'static str>,
    aud: Option<&'static str>,
    leeway: u64,
}

const POLICIES: [RefPolicy; 2] = [
    RefPolicy {
        iss: Some("joe"),
        aud: None,
        leeway: 30,
    },
    RefPolicy {
        iss: None,
        aud: Some("aud1"),
        leeway: 0,
    },
];

/// jsonwebtoken's verdict on header, key, signature and JSON; `Some(payload)` if accepted.
fn reference_decode(token: &[u8]) -> Option<Vec<u8>> {
    let f = fixed();
    let header = jsonwebtoken::decode_header(token).ok()?;
    if header.kid.as_deref().is_some_and(|k| k != "k1") {
        return None;
    }
    jsonwebtoken::decode::<serde_json::Value>(token, &f.key, &f.validation).ok()?;
    let payload = token.split(|&b| b == b'.').nth(1)?;
    <base64ct::Base64UrlUnpadded as base64ct::Encoding>::decode_vec(
        std::str::from_utf8(payload).ok()?,
    )
    .ok()
}

/// DESIGN's claim rules over serde_json's reading of the payload.
fn reference_claims(payload: &[u8], p: &RefPolicy) -> bool {
    use std::cmp::Ordering;
    let Ok(claims) = serde_json::from_slice::<BTreeMap<String, Box<RawValue>>>(payload) else {
        return false;
    };
    let raw = |n: &str| claims.get(n).map(|v| v.get());
    let is_num = |t: &str| t.starts_with(|c: char| c == '-' || c.is_ascii_digit());
    let string = |t: &str| serde_json::from_str::<String>(t).ok();
    let Some(exp) = raw("exp") else { return false };
    if !is_num(exp) {
        return false;
    }
    for n in ["nbf", "iat"] {
        if raw(n).is_some_and(|t| !is_num(t)) {
            return false;
        }
    }
    for n in ["iss", "sub", "jti"] {
        if raw(n).is_some_and(|t| string(t).is_none()) {
            return false;
        }
    }
    let aud: Option<Vec<String>> = match raw("aud") {
        None => None,
        Some(t) => match (string(t), serde_json::from_str::<Vec<String>>(t)) {
            (Some(s), _) => Some(vec![s]),
            (None, Ok(v)) => Some(v),
            (None, Err(_)) => return false,
        },
    };
    let now = i128::from(NOW);
    let leeway = i128::from(p.leeway);
    if model::cmp_num(exp, now - leeway) != Ordering::Greater {
        return false;
    }
    if raw("nbf").is_some_and(|t| model::cmp_num(t, now + leeway) == Ordering::Greater) {
        return false;
    }
    if let Some(want) = p.iss
        && raw("iss").and_then(string).as_deref() != Some(want)
    {
        return false;
    }
    if let Some(want) = p.aud
        && !aud.is_some_and(|a| a.iter().any(|x| x == want))
    {
        return false;
    }
    true
}

#[derive(Default, Debug)]
struct Flags {
    /// A DESIGN rule jwtgate applies and jsonwebtoken does not: jwtgate must reject.
    stricter: Vec<&'static str>,
    /// jsonwebtoken refuses something DESIGN accepts: only ref => jwtgate is checked.
    lenient: Vec<&'static str>,
}

/// Lenient base64url (trailing bits ignored), to tell "non-canonical" from "not base64url".
fn b64_lenient(s: &[u8]) -> bool {
    s.len() % 4 != 1
        && s.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
}

fn has_big_number(j: &J) -> bool {
    match j {
        J::Num(t) => t.parse::<f64>().map_or(true, f64::is_infinite),
        J::Arr(a) => a.iter().any(has_big_number),
        J::Obj(m) => m.iter().any(|(_, v)| has_big_number(v)),
        _ => false,
    }
}

fn classify(token: &[u8]) -> Flags {
    let mut f = Flags::default();
    let parts: Vec<&[u8]> = token.split(|&b| b == b'.').collect();
    if parts.len() != 3 {
        return f;
    }
    for part in &parts {
        if model::b64_strict(part).is_none() && b64_lenient(part) {
            f.stricter.push("non-canonical base64url");
        }
    }
    let (Some(h), Some(p)) = (model::b64_strict(parts[0]), model::b64_strict(parts[1])) else {
        return f;
    };
    if h.len() + p.len() > BUF {
        f.stricter.push("larger than the buffer");
    }
    for (doc, limit, what) in [(&h, 4, "header"), (&p, 16, "payload")] {
        match model::parse(doc, 64) {
            Err(JErr::Dup) => f.stricter.push("duplicate member"),
            Err(JErr::TooDeep) => f.stricter.push("too deep"),
            Err(JErr::Syntax) => {}
            Ok(j) => {
                if j.depth() > limit {
                    f.stricter.push("too deep");
                }
                if has_big_number(&j) {
                    f.lenient.push("number beyond f64");
                }
                if what == "header" {
                    header_flags(&j, &mut f);
                }
            }
        }
    }
    f
}

fn header_flags(h: &J, f: &mut Flags) {
    if h.get("crit").is_some() {
        f.stricter.push("crit");
    }
    if h.get("b64").is_some_and(|v| *v != J::Bool(true)) {
        f.stricter.push("b64");
    }
    if h.get("kid").is_some_and(|v| !matches!(v, J::Str(..))) {
        f.stricter.push("kid not a string");
    }
    for name in [
        "typ", "cty", "jku", "x5u", "x5t", "x5t#S256", "enc", "zip", "url", "nonce",
    ] {
        if h.get(name)
            .is_some_and(|v| !matches!(v, J::Str(..) | J::Null))
        {
            f.lenient.push("typed header member");
        }
    }
    if h.get("jwk").is_some_and(|v| *v != J::Null) {
        f.lenient.push("jwk header member");
    }
    if let Some(x5c) = h.get("x5c") {
        let ok = match x5c {
            J::Null => true,
            J::Arr(a) => a.iter().all(|e| matches!(e, J::Str(..))),
            _ => false,
        };
        if !ok {
            f.lenient.push("typed header member");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(&mode) = data.first() else { return };
    let token: Vec<u8> = if mode.is_ascii_alphanumeric() || matches!(mode, b'-' | b'_' | b'.') {
        data.to_vec()
    } else {
        let Ok(spec) = TokenSpec::arbitrary(&mut Unstructured::new(&data[1..])) else {
            return;
        };
        spec.build().0
    };
    let f = fixed();
    let flags = classify(&token);
    let reference = reference_decode(&token);
    for p in &POLICIES {
        let mut policy = jwtgate::Policy::new().leeway(p.leeway);
        if let Some(i) = p.iss {
            policy = policy.issuer(i);
        }
        if let Some(a) = p.aud {
            policy = policy.audience(a);
        }
        let mut buf = [0u8; BUF];
        let ours = jwtgate::verify(&token, &mut buf, &f.set, &policy, NOW);
        // jwtgate's three ES256 paths (no table, small and large combs) agree exactly.
        let ours_code = ours.as_ref().map(|_| ()).map_err(|e| *e);
        let mut buf = [0u8; BUF];
        let small = jwtgate::verify(&token, &mut buf, &*f.small, &policy, NOW).map(|_| ());
        assert_eq!(small, ours_code, "SmallTable disagrees");
        let mut buf = [0u8; BUF];
        let large = jwtgate::verify(&token, &mut buf, &*f.large, &policy, NOW).map(|_| ());
        assert_eq!(large, ours_code, "LargeTable disagrees");
        let theirs = reference
            .as_deref()
            .is_some_and(|payload| reference_claims(payload, p));
        let token_text = String::from_utf8_lossy(&token);
        if jwtgate_fuzz::debug() {
            eprintln!("differential: jwtgate {ours_code:?}, reference {theirs}, flags {flags:?}");
        }
        if !flags.stricter.is_empty() {
            assert!(
                ours.is_err(),
                "jwtgate accepted a token DESIGN rejects ({:?}): {token_text}",
                flags.stricter
            );
        } else if !flags.lenient.is_empty() {
            assert!(
                !theirs || ours.is_ok(),
                "jsonwebtoken accepts, jwtgate says {:?} ({:?}): {token_text}",
                ours.err(),
                flags.lenient
            );
        } else {
            assert_eq!(
                ours.is_ok(),
                theirs,
                "jwtgate {:?}, reference {theirs}: {token_text}",
                ours.as_ref().map(|_| ()).map_err(|e| *e)
            );
        }
    }
});
