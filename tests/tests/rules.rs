//! One test per rule of DESIGN.md "Verification semantics (contract)", each asserting the exact
//! `Error` variant, and each built so that it fails if the rule is broken: wherever a lax
//! implementation could otherwise accept the token, the token is *validly signed* over exactly
//! the bytes under test, so the only thing standing between it and `Ok` is the rule itself.

// Helpers outside `#[test]` functions panic on broken fixtures by design: this is a test crate.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use base64ct::{Base64UrlUnpadded, Encoding};
use jwtgate::__testing as json;
use jwtgate::Value;
use jwtgate::{
    Error, HS256_MIN_SECRET_LEN, Hs256Secret, KeySet, Policy, SecretTooShort, UntrustedToken,
    Unusable,
};
use jwtgate_tests::p256_consts::{N, P};
use jwtgate_tests::{b64, es256_token, hs256_token, jwk, jwk_entries, jwks, signing_key};
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::PrimeField;

/// "Now" for every test, in unix seconds.
const NOW: u64 = 1_700_000_000;
/// A comfortable `exp`, ten minutes after `NOW`.
const EXP: u64 = NOW + 600;
/// The header of the baseline token: ES256 with the kid of the one key in [`keys`].
const HEADER: &str = r#"{"alg":"ES256","kid":"k1"}"#;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The legitimate signer, published in [`keys`] as `k1`.
fn signer() -> SigningKey {
    signing_key(1)
}

/// An attacker's key, never in any key set unless a test says so.
fn attacker() -> SigningKey {
    signing_key(66)
}

fn load<const C: usize>(doc: &str) -> KeySet<C> {
    let mut keys = KeySet::new();
    keys.load(doc.as_bytes())
        .unwrap_or_else(|e| panic!("{doc}: {e:?}"));
    keys
}

/// The baseline key set: the signer as `k1`.
fn keys() -> KeySet<8> {
    load(&jwks(&[jwk(&signer(), r#""kid":"k1""#)]))
}

/// The baseline claims: valid at `NOW`.
fn payload() -> String {
    format!(r#"{{"sub":"user","exp":{EXP}}}"#)
}

/// Signs exactly `header_seg.payload_seg` (already encoded, possibly not strictly) with ES256.
fn sign_segments(key: &SigningKey, header_seg: &str, payload_seg: &str) -> String {
    let input = format!("{header_seg}.{payload_seg}");
    let sig: Signature = key.sign(input.as_bytes());
    format!("{input}.{}", b64(&sig.to_bytes()))
}

/// Signs raw (possibly non-UTF-8, non-JSON) header and payload bytes with ES256.
fn sign_bytes(header: &[u8], payload: &[u8]) -> String {
    sign_segments(&signer(), &b64(header), &b64(payload))
}

/// A baseline-signed token with this header and payload text.
fn token(header: &str, payload: &str) -> String {
    es256_token(&signer(), header, payload)
}

fn verdict_with<const C: usize>(
    token: &str,
    keys: &KeySet<C>,
    policy: &Policy<'_>,
    now: u64,
) -> Result<(), Error> {
    let mut buf = vec![0u8; token.len()];
    jwtgate::verify(token.as_bytes(), &mut buf, keys, policy, now).map(|_| ())
}

/// The verdict with the baseline key set and default policy at `NOW`.
fn verdict(token: &str) -> Result<(), Error> {
    verdict_with(token, &keys(), &Policy::new(), NOW)
}

/// The verdict on a baseline-signed token carrying `payload`.
fn claims_verdict(payload: &str, policy: &Policy<'_>, now: u64) -> Result<(), Error> {
    verdict_with(&token(HEADER, payload), &keys(), policy, now)
}

fn segments(token: &str) -> (&str, &str, &str) {
    let mut it = token.split('.');
    let out = (
        it.next().expect("header"),
        it.next().expect("payload"),
        it.next().expect("signature"),
    );
    assert!(it.next().is_none());
    out
}

/// Filler text for a claim, varied in alignment: `?` and `>` (three apart, so both land on a
/// group's last sextet together) are ASCII characters whose low six bits encode to `_` and `-`.
fn filler(n: usize) -> String {
    format!("{}?ab>{n}", "x".repeat(n % 3))
}

/// A payload variant whose encoding satisfies `pred` (found by varying a filler claim).
fn payload_where(pred: impl Fn(&str) -> bool) -> String {
    (0..1_000)
        .map(|n| format!(r#"{{"sub":"user","exp":{EXP},"n":"{}"}}"#, filler(n)))
        .find(|p| pred(&b64(p.as_bytes())))
        .expect("some filler works")
}

/// A header variant whose encoding satisfies `pred`.
fn header_where(pred: impl Fn(&str) -> bool) -> String {
    (0..1_000)
        .map(|n| format!(r#"{{"alg":"ES256","kid":"k1","n":"{}"}}"#, filler(n)))
        .find(|h| pred(&b64(h.as_bytes())))
        .expect("some filler works")
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The same segment with its unused trailing bits set: decodes to the same bytes under a lax
/// decoder, so it is non-canonical. `None` when the segment has no unused bits.
fn non_canonical(seg: &str) -> Option<String> {
    if !matches!(seg.len() % 4, 2 | 3) {
        return None;
    }
    let last = *seg.as_bytes().last()?;
    let value = ALPHABET.iter().position(|&c| c == last)?;
    let mut out = seg[..seg.len() - 1].to_owned();
    out.push(char::from(ALPHABET[value ^ 1]));
    Some(out)
}

/// `=` padding as base64 (not base64url-for-JWS) would have it.
fn padded(seg: &str) -> String {
    let pad = (4 - seg.len() % 4) % 4;
    format!("{seg}{}", "=".repeat(pad))
}

/// A validly MACed-or-signed token is the baseline: it must verify, or every negative test
/// below proves nothing.
#[test]
fn baseline_token_verifies() {
    assert_eq!(verdict(&token(HEADER, &payload())), Ok(()));
    assert_eq!(
        verdict(&sign_segments(
            &signer(),
            &b64(HEADER.as_bytes()),
            &b64(payload().as_bytes())
        )),
        Ok(())
    );
}

// ---------------------------------------------------------------------------------------------
// Encoding: three segments of strict base64url, UTF-8 JSON objects
// ---------------------------------------------------------------------------------------------

#[test]
fn padding_is_rejected_in_every_segment() {
    // Header and payload whose encodings need padding, signed over the padded text.
    let header = header_where(|s| s.len() % 4 != 0);
    let body = payload_where(|s| s.len() % 4 != 0);
    let (h, p) = (b64(header.as_bytes()), b64(body.as_bytes()));
    assert_eq!(verdict(&sign_segments(&signer(), &h, &p)), Ok(()));
    for (hs, ps) in [(padded(&h), p.clone()), (h.clone(), padded(&p))] {
        assert_eq!(
            verdict(&sign_segments(&signer(), &hs, &ps)),
            Err(Error::TokenMalformed),
            "{hs}.{ps}"
        );
    }
    // Padding on a segment that needs none, and extra padding.
    let h4 = header_where(|s| s.len() % 4 == 0);
    let h4 = b64(h4.as_bytes());
    for hs in [
        format!("{h4}="),
        format!("{h4}=="),
        format!("{}=", padded(&h)),
    ] {
        assert_eq!(
            verdict(&sign_segments(&signer(), &hs, &p)),
            Err(Error::TokenMalformed),
            "{hs}"
        );
    }
    // The signature: 64 bytes encode to 86 characters, which padding would take to 88.
    let good = token(HEADER, &payload());
    let (h, p, s) = segments(&good);
    assert_eq!(s.len(), 86);
    assert_eq!(
        verdict(&format!("{h}.{p}.{}", padded(s))),
        Err(Error::TokenMalformed)
    );
}

#[test]
fn standard_alphabet_plus_and_slash_are_rejected() {
    // Header and payload containing `-` and `_`, re-spelled with `+` and `/` and signed so.
    let header = header_where(|s| s.contains('-') || s.contains('_'));
    let payload = payload_where(|s| s.contains('-') && s.contains('_'));
    let (h, p) = (b64(header.as_bytes()), b64(payload.as_bytes()));
    let std = |s: &str| s.replace('-', "+").replace('_', "/");
    assert_eq!(verdict(&sign_segments(&signer(), &h, &p)), Ok(()));
    assert_eq!(
        verdict(&sign_segments(&signer(), &std(&h), &p)),
        Err(Error::TokenMalformed)
    );
    assert_eq!(
        verdict(&sign_segments(&signer(), &h, &std(&p))),
        Err(Error::TokenMalformed)
    );
    // A signature containing `-` or `_`.
    let good = (0..1000)
        .map(|n| token(HEADER, &format!(r#"{{"exp":{EXP},"n":{n}}}"#)))
        .find(|t| {
            let s = segments(t).2;
            s.contains('-') || s.contains('_')
        })
        .expect("some signature has - or _");
    assert_eq!(verdict(&good), Ok(()));
    let (h, p, s) = segments(&good);
    assert_eq!(
        verdict(&format!("{h}.{p}.{}", std(s))),
        Err(Error::TokenMalformed)
    );
}

#[test]
fn whitespace_is_rejected_anywhere() {
    let (h, p) = (b64(HEADER.as_bytes()), b64(payload().as_bytes()));
    let insert = |s: &str, at: usize, ws: &str| format!("{}{ws}{}", &s[..at], &s[at..]);
    for ws in [" ", "\t", "\n", "\r\n", "\u{a0}"] {
        // Inside header and payload, signed over the text with whitespace.
        assert_eq!(
            verdict(&sign_segments(&signer(), &insert(&h, 4, ws), &p)),
            Err(Error::TokenMalformed),
            "header {ws:?}"
        );
        assert_eq!(
            verdict(&sign_segments(&signer(), &h, &insert(&p, 8, ws))),
            Err(Error::TokenMalformed),
            "payload {ws:?}"
        );
        assert_eq!(
            verdict(&sign_segments(&signer(), &h, &format!("{p}{ws}"))),
            Err(Error::TokenMalformed),
            "payload end {ws:?}"
        );
        // Inside, before and after the signature, and around the whole token.
        let good = token(HEADER, &payload());
        let (gh, gp, gs) = segments(&good);
        for bad in [
            format!("{gh}.{gp}.{}", insert(gs, 10, ws)),
            format!("{gh}.{gp}.{ws}{gs}"),
            format!("{good}{ws}"),
            format!("{ws}{good}"),
        ] {
            assert_eq!(verdict(&bad), Err(Error::TokenMalformed), "{bad:?}");
        }
    }
}

#[test]
fn non_canonical_trailing_bits_are_rejected_in_every_segment() {
    // Header/payload lengths that leave unused bits in the last character.
    let header = header_where(|s| matches!(s.len() % 4, 2 | 3));
    let body = payload_where(|s| matches!(s.len() % 4, 2 | 3));
    let (h, p) = (b64(header.as_bytes()), b64(body.as_bytes()));
    assert_eq!(verdict(&sign_segments(&signer(), &h, &p)), Ok(()));
    let bad_h = non_canonical(&h).expect("has unused bits");
    let bad_p = non_canonical(&p).expect("has unused bits");
    // A lax decoder would see exactly the same bytes, so only the rule rejects these.
    assert_eq!(
        Base64UrlUnpadded::decode_vec(&h).ok(),
        Some(header.clone().into_bytes())
    );
    assert_eq!(
        verdict(&sign_segments(&signer(), &bad_h, &p)),
        Err(Error::TokenMalformed)
    );
    assert_eq!(
        verdict(&sign_segments(&signer(), &h, &bad_p)),
        Err(Error::TokenMalformed)
    );
    // The signature (86 characters: 4 unused bits): same 64 bytes to a lax decoder.
    let good = token(HEADER, &payload());
    let (gh, gp, gs) = segments(&good);
    let bad_s = non_canonical(gs).expect("86 % 4 == 2");
    assert_eq!(
        verdict(&format!("{gh}.{gp}.{bad_s}")),
        Err(Error::TokenMalformed)
    );
    // Segments of impossible length (1 mod 4).
    assert_eq!(
        verdict(&format!("{gh}.{gp}.{gs}AAA")),
        Err(Error::TokenMalformed)
    );
    assert_eq!(
        verdict(&sign_segments(&signer(), &format!("{h}A"), &p)),
        Err(Error::TokenMalformed)
    );
}

#[test]
fn exactly_three_segments() {
    let good = token(HEADER, &payload());
    let (h, p, s) = segments(&good);
    for bad in [
        String::new(),
        h.to_owned(),
        format!("{h}.{p}"),
        format!("{h}.{p}.{s}.{s}"),
        format!("{good}."),
        format!(".{good}"),
        format!("{h}.{p}.{s}.."),
        format!("{h}.{p}.{p}.{p}.{s}"), // JWE-shaped
        format!("{h}..{p}.{s}"),
    ] {
        assert_eq!(verdict(&bad), Err(Error::TokenMalformed), "{bad}");
    }
}

#[test]
fn empty_segments_are_rejected() {
    let (h, p) = (b64(HEADER.as_bytes()), b64(payload().as_bytes()));
    // Empty header or payload, validly signed over what is there.
    assert_eq!(
        verdict(&sign_segments(&signer(), "", &p)),
        Err(Error::TokenMalformed)
    );
    assert_eq!(
        verdict(&sign_segments(&signer(), &h, "")),
        Err(Error::TokenMalformed)
    );
    assert_eq!(
        verdict(&sign_segments(&signer(), "", "")),
        Err(Error::TokenMalformed)
    );
    for bad in ["..", "...", "."] {
        assert_eq!(verdict(bad), Err(Error::TokenMalformed), "{bad}");
    }
    // An empty signature is not a 64-byte ES256 signature.
    assert_eq!(verdict(&format!("{h}.{p}.")), Err(Error::SignatureInvalid));
}

#[test]
fn header_must_be_a_json_object() {
    let p = payload();
    for header in [
        "[]",
        r#"["alg","ES256"]"#,
        r#""ES256""#,
        "null",
        "1",
        "true",
        "",
        " ",
        r#"{"alg":"ES256","kid":"k1""#,
        r#"{"alg":"ES256","kid":"k1"}x"#,
        r#"{"alg":"ES256","kid":"k1"} {}"#,
        r#"{"alg":"ES256","kid":"k1",}"#,
        r#"{'alg':'ES256','kid':'k1'}"#,
        r#"{alg:"ES256",kid:"k1"}"#,
        r#"{"alg":"ES256","kid":"k1"}/**/"#,
    ] {
        assert_eq!(
            verdict(&token(header, &p)),
            Err(Error::TokenMalformed),
            "{header}"
        );
    }
    // Insignificant JSON whitespace is fine (RFC 7515's own examples use CRLF).
    assert_eq!(
        verdict(&token(" {\r\n \"alg\" : \"ES256\",\t\"kid\":\"k1\" } ", &p)),
        Ok(())
    );
}

#[test]
fn payload_must_be_a_json_object() {
    for payload in [
        "[]",
        r#"[{"exp":1700000600}]"#,
        r#""x""#,
        "1700000600",
        "null",
        "",
        r#"{"exp":1700000600"#,
        r#"{"exp":1700000600,}"#,
        r#"{"exp":1700000600}{}"#,
    ] {
        assert_eq!(
            verdict(&token(HEADER, payload)),
            Err(Error::TokenMalformed),
            "{payload}"
        );
    }
}

#[test]
fn byte_order_mark_is_rejected() {
    let bom = b"\xef\xbb\xbf";
    let header = [bom.as_slice(), HEADER.as_bytes()].concat();
    let payload = [bom.as_slice(), payload().as_bytes()].concat();
    assert_eq!(
        verdict(&sign_bytes(&header, self::payload().as_bytes())),
        Err(Error::TokenMalformed)
    );
    assert_eq!(
        verdict(&sign_bytes(HEADER.as_bytes(), &payload)),
        Err(Error::TokenMalformed)
    );
    // UTF-16 with a BOM, and invalid UTF-8, likewise.
    let utf16: Vec<u8> = [0xfeffu16]
        .into_iter()
        .chain(HEADER.encode_utf16())
        .flat_map(u16::to_be_bytes)
        .collect();
    assert_eq!(
        verdict(&sign_bytes(&utf16, self::payload().as_bytes())),
        Err(Error::TokenMalformed)
    );
    let mut bad_utf8 = format!(r#"{{"exp":{EXP},"sub":"ab"}}"#).into_bytes();
    let at = bad_utf8.len() - 3; // between `a` and `b`
    bad_utf8.insert(at, 0xff);
    assert_eq!(
        verdict(&sign_bytes(HEADER.as_bytes(), &bad_utf8)),
        Err(Error::TokenMalformed)
    );
    // A U+FEFF inside a string is just a character.
    assert_eq!(
        verdict(&token(
            HEADER,
            &format!("{{\"sub\":\"\u{feff}x\",\"exp\":{EXP}}}")
        )),
        Ok(())
    );
}

#[test]
fn duplicate_header_members_are_rejected() {
    let p = payload();
    for header in [
        r#"{"alg":"ES256","alg":"ES256","kid":"k1"}"#,
        r#"{"alg":"HS256","kid":"k1","alg":"ES256"}"#,
        r#"{"alg":"ES256","kid":"k1","alg":"none"}"#,
        r#"{"alg":"ES256","kid":"k1","\u0061lg":"ES256"}"#,
        r#"{"alg":"ES256","kid":"k1","kid":"k1"}"#,
        r#"{"alg":"ES256","kid":"k1","k\u0069d":"k2"}"#,
        r#"{"alg":"ES256","kid":"k1","typ":"JWT","typ":"JWT"}"#,
        r#"{"alg":"ES256","kid":"k1","a\/b":1,"a/b":1}"#,
        r#"{"alg":"ES256","kid":"k1","x":{"y":1,"y":1}}"#,
    ] {
        assert_eq!(
            verdict(&token(header, &p)),
            Err(Error::TokenMalformed),
            "{header}"
        );
    }
    // Same names in different objects are not duplicates.
    assert_eq!(
        verdict(&token(
            r#"{"alg":"ES256","kid":"k1","x":{"alg":1},"y":{"alg":2}}"#,
            &p
        )),
        Ok(())
    );
}

/// FNV-1a 64 over a name's decoded bytes, reduced to the two bits (of 128) it set in the
/// Bloom filter that fronted jwtgate's duplicate check before issue 11.
fn old_bloom_bits(name: &[u8]) -> (u64, u64) {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for &b in name {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash & 127, (hash >> 7) & 127)
}

/// `count` distinct four-letter names that all set the same two bits of the old Bloom filter,
/// so that each made the old check rescan every earlier member of its object.
fn colliding_names(count: usize) -> Vec<String> {
    const LETTERS: &[u8; 62] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let name = |i: usize| {
        (0..4)
            .map(|k| LETTERS[i / 62usize.pow(k) % 62])
            .collect::<Vec<u8>>()
    };
    let target = old_bloom_bits(&name(0));
    (0..62usize.pow(4))
        .map(name)
        .filter(|n| old_bloom_bits(n) == target && n != b"crit")
        .take(count)
        .map(|n| String::from_utf8(n).unwrap())
        .collect()
}

/// `name` with every character written as a `\u00XX` escape.
fn escaped(name: &str) -> String {
    name.chars()
        .map(|c| format!("\\u{:04x}", u32::from(c)))
        .collect()
}

/// A header with the baseline's `alg` and `kid` and one `0` member per name.
fn header_with(names: &[String]) -> String {
    let members: String = names.iter().map(|n| format!(r#","{n}":0"#)).collect();
    format!(r#"{{"alg":"ES256","kid":"k1"{members}}}"#)
}

#[test]
fn duplicate_header_members_are_found_among_64_whatever_their_spelling() {
    let p = payload();
    // 62 names plus `alg` and `kid`: the most members a header object may have.
    let names = colliding_names(62);
    assert_eq!(verdict(&token(&header_with(&names), &p)), Ok(()));
    // The 64th member repeats an earlier one, spelled otherwise: plain, or escaped.
    for j in [0, 1, 30, 59, 60] {
        for spelling in [names[j].clone(), escaped(&names[j])] {
            let mut twice = names.clone();
            twice[61] = spelling;
            assert_eq!(
                verdict(&token(&header_with(&twice), &p)),
                Err(Error::TokenMalformed),
                "member 64 repeats member {}",
                j + 3
            );
        }
    }
    // `"a"` against `"\u0061"`, and `alg` against `"\u0061lg"`, 61 members apart.
    let mut twice = names.clone();
    twice[0] = String::from("a");
    twice[61] = String::from(r"\u0061");
    assert_eq!(
        verdict(&token(&header_with(&twice), &p)),
        Err(Error::TokenMalformed)
    );
    let mut twice = names.clone();
    twice[61] = String::from(r"\u0061lg");
    assert_eq!(
        verdict(&token(&header_with(&twice), &p)),
        Err(Error::TokenMalformed)
    );
}

#[test]
fn header_names_chosen_to_collide_get_the_verdict_they_always_had() {
    // These names all set the same Bloom filter bits, which made the old check rescan every
    // earlier member for each of them (quadratic, before any signature check). The verdicts
    // are unchanged: distinct names are accepted, a repeated one is not, however spelled.
    let names = colliding_names(62);
    let bits = old_bloom_bits(names[0].as_bytes());
    assert!(names.iter().all(|n| old_bloom_bits(n.as_bytes()) == bits));
    let p = payload();
    let spelled: Vec<String> = names.iter().map(|n| escaped(n)).collect();
    assert_eq!(verdict(&token(&header_with(&spelled), &p)), Ok(()));
    let mixed: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| if i % 2 == 0 { escaped(n) } else { n.clone() })
        .collect();
    assert_eq!(verdict(&token(&header_with(&mixed), &p)), Ok(()));
    let mut twice = spelled.clone();
    twice[61] = names[17].clone();
    assert_eq!(
        verdict(&token(&header_with(&twice), &p)),
        Err(Error::TokenMalformed)
    );
    // The same names nested four levels deep (the header's depth limit), a repeat innermost.
    let nested = |inner: &str| {
        let level: String = names[..12].iter().map(|n| format!(r#""{n}":0,"#)).collect();
        let mut header = format!("{{{level}{inner}}}");
        for _ in 0..2 {
            header = format!(r#"{{{level}"n":{header}}}"#);
        }
        format!(r#"{{"alg":"ES256","kid":"k1",{level}"n":{header}}}"#)
    };
    assert_eq!(verdict(&token(&nested(r#""z":0"#), &p)), Ok(()));
    let repeat = format!(r#""{}":0"#, escaped(&names[5]));
    assert_eq!(
        verdict(&token(&nested(&repeat), &p)),
        Err(Error::TokenMalformed)
    );
}

#[test]
fn duplicate_payload_members_are_rejected() {
    for payload in [
        format!(r#"{{"sub":"a","sub":"b","exp":{EXP}}}"#),
        format!(r#"{{"exp":{EXP},"exp":{NOW}}}"#),
        format!(r#"{{"exp":{NOW},"exp":{EXP}}}"#),
        format!(r#"{{"exp":{EXP},"\u0065xp":{EXP}}}"#),
        format!(r#"{{"exp":{EXP},"role":"anon","role":"service_role"}}"#),
        format!(r#"{{"exp":{EXP},"r\u006fle":"anon","role":"service_role"}}"#),
        format!(r#"{{"exp":{EXP},"aud":"a","aud":"b"}}"#),
        format!(r#"{{"exp":{EXP},"app_metadata":{{"p":1,"p":2}}}}"#),
        format!(r#"{{"exp":{EXP},"amr":[{{"m":"a","m":"b"}}]}}"#),
    ] {
        assert_eq!(
            claims_verdict(&payload, &Policy::new(), NOW),
            Err(Error::TokenMalformed),
            "{payload}"
        );
    }
}

#[test]
fn duplicate_payload_members_are_rejected_in_objects_of_any_size() {
    // Payloads are parsed only after their signature verified, with a duplicate check that
    // needs no fixed room (a Bloom filter in front of a rescan); its verdict is as exact, in
    // objects of any size and past the 256 names and 2 KiB a header's check holds.
    let wide = |members: usize, name_len: usize| -> Vec<String> {
        (0..members).map(|i| format!("{i:0>name_len$}")).collect()
    };
    let claims = |names: &[String]| {
        let members: String = names.iter().map(|n| format!(r#","c{n}":0"#)).collect();
        format!(r#"{{"exp":{EXP}{members}}}"#)
    };
    for (members, name_len) in [(300, 3), (40, 80), (600, 4)] {
        let names = wide(members, name_len);
        assert_eq!(
            claims_verdict(&claims(&names), &Policy::new(), NOW),
            Ok(()),
            "{members} members"
        );
        for j in [0, members / 2, members - 2] {
            for spelling in [names[j].clone(), escaped(&names[j])] {
                let mut twice = names.clone();
                twice[members - 1] = spelling;
                assert_eq!(
                    claims_verdict(&claims(&twice), &Policy::new(), NOW),
                    Err(Error::TokenMalformed),
                    "{members} members, the last repeats {j}"
                );
            }
        }
    }
}

#[test]
fn nan_and_infinity_are_rejected() {
    for value in [
        "NaN",
        "-NaN",
        "Infinity",
        "-Infinity",
        "+Infinity",
        "nan",
        "inf",
        "+1",
        "0x10",
        "01",
        "1.",
        ".5",
        "1e",
    ] {
        for payload in [
            format!(r#"{{"exp":{value}}}"#),
            format!(r#"{{"exp":{EXP},"x":{value}}}"#),
            format!(r#"{{"exp":{EXP},"x":[1,{value}]}}"#),
        ] {
            assert_eq!(
                claims_verdict(&payload, &Policy::new(), NOW),
                Err(Error::TokenMalformed),
                "{payload}"
            );
        }
        let header = format!(r#"{{"alg":"ES256","kid":"k1","x":{value}}}"#);
        assert_eq!(
            verdict(&token(&header, &payload())),
            Err(Error::TokenMalformed),
            "{header}"
        );
    }
}

#[test]
fn lone_surrogates_are_rejected() {
    for s in [
        r"\ud800",
        r"\uDBFF",
        r"\udc00",
        r"\udfff",
        r"\ud800x",
        r"\ud800\u0041",
        r"\ud800\ud800",
        r"\udc00\ud800",
        r"x\ud83d",
    ] {
        for payload in [
            format!(r#"{{"sub":"{s}","exp":{EXP}}}"#),
            format!(r#"{{"exp":{EXP},"{s}":1}}"#),
            format!(r#"{{"exp":{EXP},"user_metadata":{{"name":"{s}"}}}}"#),
        ] {
            assert_eq!(
                claims_verdict(&payload, &Policy::new(), NOW),
                Err(Error::TokenMalformed),
                "{payload}"
            );
        }
        let header = format!(r#"{{"alg":"ES256","kid":"{s}"}}"#);
        assert_eq!(
            verdict(&token(&header, &payload())),
            Err(Error::TokenMalformed),
            "{header}"
        );
    }
    // Surrogates encoded directly in UTF-8 (CESU-8) are not UTF-8 at all.
    let cesu = [
        format!(r#"{{"exp":{EXP},"sub":""#).as_bytes(),
        b"\xed\xa0\x80",
        b"\"}",
    ]
    .concat();
    assert_eq!(
        verdict(&sign_bytes(HEADER.as_bytes(), &cesu)),
        Err(Error::TokenMalformed)
    );
    // A proper pair is a character.
    let mut buf = vec![0u8; 512];
    let t = token(HEADER, &format!(r#"{{"sub":"\ud83d\ude00","exp":{EXP}}}"#));
    let v = jwtgate::verify(t.as_bytes(), &mut buf, &keys(), &Policy::new(), NOW).expect("ok");
    assert!(v.claims().sub().expect("sub").eq_str("\u{1f600}"));
}

fn nested(depth: usize) -> String {
    // `depth` levels counting the payload object itself.
    let inner = depth - 1;
    format!(
        r#"{{"exp":{EXP},"x":{}1{}}}"#,
        "[".repeat(inner),
        "]".repeat(inner)
    )
}

#[test]
fn nesting_deeper_than_the_policy_allows_is_rejected() {
    for max in [1u8, 2, 4, 8, 16] {
        let policy = Policy::new().max_depth(max);
        let max = usize::from(max);
        if max >= 2 {
            assert_eq!(
                claims_verdict(&nested(max), &policy, NOW),
                Ok(()),
                "depth {max}"
            );
        } else {
            assert_eq!(claims_verdict(&payload(), &policy, NOW), Ok(()));
        }
        assert_eq!(
            claims_verdict(&nested(max + 1), &policy, NOW),
            Err(Error::TokenMalformed),
            "depth {} over {max}",
            max + 1
        );
    }
    // The default is 16.
    assert_eq!(claims_verdict(&nested(16), &Policy::new(), NOW), Ok(()));
    assert_eq!(
        claims_verdict(&nested(17), &Policy::new(), NOW),
        Err(Error::TokenMalformed)
    );
    // Objects count like arrays.
    let objects = format!(r#"{{"exp":{EXP},"a":{{"b":{{"c":{{}}}}}}}}"#); // depth 4
    assert_eq!(
        claims_verdict(&objects, &Policy::new().max_depth(4), NOW),
        Ok(())
    );
    assert_eq!(
        claims_verdict(&objects, &Policy::new().max_depth(3), NOW),
        Err(Error::TokenMalformed)
    );
    // Asking for more than the hard cap (64) gets the cap, not a deeper stack.
    let lax = Policy::new().max_depth(u8::MAX);
    assert_eq!(claims_verdict(&nested(64), &lax, NOW), Ok(()));
    assert_eq!(
        claims_verdict(&nested(65), &lax, NOW),
        Err(Error::TokenMalformed)
    );
}

#[test]
fn absurd_nesting_is_a_clean_error_not_a_stack_overflow() {
    let deep = 50_000; // far past the cap of 64, and deep enough to overflow an unbounded stack
    let payload = format!(
        r#"{{"exp":{EXP},"x":{}{}}}"#,
        "[".repeat(deep),
        "]".repeat(deep)
    );
    assert_eq!(
        claims_verdict(&payload, &Policy::new().max_depth(u8::MAX), NOW),
        Err(Error::TokenMalformed)
    );
    let header = format!(
        r#"{{"alg":"ES256","kid":"k1","x":{}{}}}"#,
        "{\"a\":".repeat(deep),
        "}".repeat(deep)
    );
    assert_eq!(
        verdict(&token(&header, &self::payload())),
        Err(Error::TokenMalformed)
    );
}

// ---------------------------------------------------------------------------------------------
// Header: crit, b64, embedded keys, alg
// ---------------------------------------------------------------------------------------------

#[test]
fn any_crit_is_alg_not_allowed() {
    for header in [
        r#"{"alg":"ES256","kid":"k1","crit":["exp"],"exp":1700000600}"#,
        r#"{"alg":"ES256","kid":"k1","crit":[]}"#,
        r#"{"alg":"ES256","kid":"k1","crit":null}"#,
        r#"{"alg":"ES256","kid":"k1","crit":"b64"}"#,
        r#"{"alg":"ES256","kid":"k1","crit":["b64"],"b64":true}"#,
        r#"{"alg":"ES256","kid":"k1","\u0063rit":["x"],"x":1}"#,
        r#"{"crit":["alg"],"alg":"ES256","kid":"k1"}"#,
    ] {
        assert_eq!(
            verdict(&token(header, &payload())),
            Err(Error::AlgNotAllowed),
            "{header}"
        );
    }
}

#[test]
fn b64_false_is_alg_not_allowed() {
    for header in [
        r#"{"alg":"ES256","kid":"k1","b64":false}"#,
        r#"{"alg":"ES256","kid":"k1","b64":false,"crit":["b64"]}"#,
        r#"{"alg":"ES256","kid":"k1","b\u0036\u0034":false}"#,
    ] {
        assert_eq!(
            verdict(&token(header, &payload())),
            Err(Error::AlgNotAllowed),
            "{header}"
        );
    }
    // An unencoded payload signed the RFC 7797 way (raw payload in the signing input).
    let h = b64(br#"{"alg":"ES256","kid":"k1","b64":false}"#);
    let raw = payload();
    let sig: Signature = signer().sign(format!("{h}.{raw}").as_bytes());
    let detached = format!("{h}..{}", b64(&sig.to_bytes()));
    assert_eq!(verdict(&detached), Err(Error::AlgNotAllowed));
    // `b64: true` is the default meaning and changes nothing; a non-boolean is malformed.
    assert_eq!(
        verdict(&token(
            r#"{"alg":"ES256","kid":"k1","b64":true}"#,
            &payload()
        )),
        Ok(())
    );
    assert_eq!(
        verdict(&token(
            r#"{"alg":"ES256","kid":"k1","b64":"false"}"#,
            &payload()
        )),
        Err(Error::TokenMalformed)
    );
}

#[test]
fn embedded_jwk_jku_x5u_x5c_are_never_trusted() {
    let evil = attacker();
    let evil_jwk = jwk(&evil, r#""kid":"evil""#);
    let evil_jwk_no_kid = jwk(&evil, "");
    let x5c = r#"["MIIBszCCAVmgAwIBAgIUX0wA"]"#;
    let url = "https://attacker.example/.well-known/jwks.json";
    let p = payload();
    // (header, verdict): without a kid the one real key is selected and the signature fails;
    // with the attacker's kid there is no such key; with the victim's kid the signature fails.
    let cases = [
        (
            format!(r#"{{"alg":"ES256","jwk":{evil_jwk_no_kid}}}"#),
            Error::SignatureInvalid,
        ),
        (
            format!(r#"{{"alg":"ES256","kid":"k1","jwk":{evil_jwk}}}"#),
            Error::SignatureInvalid,
        ),
        (
            format!(r#"{{"alg":"ES256","kid":"evil","jwk":{evil_jwk}}}"#),
            Error::KeyNotFound,
        ),
        (
            format!(r#"{{"alg":"ES256","jku":"{url}"}}"#),
            Error::SignatureInvalid,
        ),
        (
            format!(r#"{{"alg":"ES256","kid":"evil","jku":"{url}"}}"#),
            Error::KeyNotFound,
        ),
        (
            format!(r#"{{"alg":"ES256","x5u":"{url}"}}"#),
            Error::SignatureInvalid,
        ),
        (
            format!(r#"{{"alg":"ES256","kid":"evil","x5c":{x5c}}}"#),
            Error::KeyNotFound,
        ),
        (
            format!(r#"{{"alg":"ES256","x5c":{x5c},"jwk":{evil_jwk_no_kid}}}"#),
            Error::SignatureInvalid,
        ),
    ];
    for (header, want) in &cases {
        let t = es256_token(&evil, header, &p);
        assert_eq!(verdict(&t), Err(*want), "{header}");
        // An empty key set never falls back to the header's key.
        assert_eq!(
            verdict_with(&t, &KeySet::<4>::new(), &Policy::new(), NOW),
            Err(Error::KeyNotFound),
            "{header}"
        );
        // Control: the same token verifies once the attacker's key is genuinely in the set,
        // so the failures above are the embedded key being ignored, nothing else.
        let trusted: KeySet<4> = load(&jwks(core::slice::from_ref(&evil_jwk)));
        assert_eq!(
            verdict_with(&t, &trusted, &Policy::new(), NOW),
            if header.contains(r#""kid":"k1""#) {
                Err(Error::KeyNotFound)
            } else {
                Ok(())
            },
            "{header}"
        );
    }
}

#[test]
fn unsupported_or_disabled_alg_is_alg_not_allowed() {
    let p = payload();
    let secret = [0x24u8; 32];
    let with_hs256 = Policy::new().hs256(Hs256Secret::new(&secret).expect("32"));
    for alg in [
        "none",
        "None",
        "NONE",
        "nOnE",
        "RS512",
        "PS256",
        "ES384",
        "ES512",
        "ES256K",
        "HS384",
        "HS512",
        "es256",
        "Es256",
        "ES256 ",
        " ES256",
        "ES 256",
        "ES256\\u0000",
        "",
    ] {
        let header = format!(r#"{{"alg":"{alg}","kid":"k1"}}"#);
        // Validly signed with the real ES256 key, so only the name stands in the way.
        assert_eq!(
            verdict(&token(&header, &p)),
            Err(Error::AlgNotAllowed),
            "{alg:?}"
        );
        // And with the signature an `alg` of `none` would carry: nothing.
        let (h, pl) = (b64(header.as_bytes()), b64(p.as_bytes()));
        assert_eq!(
            verdict(&format!("{h}.{pl}.")),
            Err(Error::AlgNotAllowed),
            "{alg:?} unsigned"
        );
        // And MACed with the configured HS256 secret, with HS256 enabled: the name is still
        // not one jwtgate implements, so no algorithm may stand in for it.
        let hs = hs256_token(&secret, &header, &p);
        assert_eq!(
            verdict_with(&hs, &keys(), &with_hs256, NOW),
            Err(Error::AlgNotAllowed),
            "{alg:?} MACed"
        );
    }
    // The other built-in key-set algorithms are names jwtgate implements, but the ES256 key
    // verifies neither (a key verifies only its own type's algorithm): no key is found. The
    // ES256 signature under an EdDSA or RS256 header, the EdDSA and RS256 checks would
    // reject anyway; the point is that no ES256 key is ever tried.
    for alg in ["EdDSA", "RS256"] {
        let header = format!(r#"{{"alg":"{alg}","kid":"k1"}}"#);
        assert_eq!(
            verdict(&token(&header, &p)),
            Err(Error::KeyNotFound),
            "{alg}"
        );
        // Switched off in the policy: not allowed.
        let off = Policy::new()
            .allow(jwtgate::Algorithm::EdDsa, false)
            .allow(jwtgate::Algorithm::Rs256, false);
        assert_eq!(
            verdict_with(&token(&header, &p), &keys(), &off, NOW),
            Err(Error::AlgNotAllowed),
            "{alg} off"
        );
    }
    // ES256 switched off in the policy.
    assert_eq!(
        verdict_with(
            &token(HEADER, &p),
            &keys(),
            &Policy::new().allow(jwtgate::Algorithm::Es256, false),
            NOW
        ),
        Err(Error::AlgNotAllowed)
    );
    // `alg` missing or not a string.
    for header in [
        r#"{"kid":"k1"}"#,
        r#"{"alg":null,"kid":"k1"}"#,
        r#"{"alg":256,"kid":"k1"}"#,
        r#"{"alg":["ES256"],"kid":"k1"}"#,
        r#"{"alg":{"name":"ES256"},"kid":"k1"}"#,
    ] {
        assert_eq!(
            verdict(&token(header, &p)),
            Err(Error::TokenMalformed),
            "{header}"
        );
    }
}

#[test]
fn hs256_without_a_configured_secret_is_alg_not_allowed() {
    let secret = [7u8; 32];
    for header in [r#"{"alg":"HS256"}"#, r#"{"alg":"HS256","kid":"k1"}"#] {
        let t = hs256_token(&secret, header, &payload());
        assert_eq!(verdict(&t), Err(Error::AlgNotAllowed), "{header}");
        // Control: it does verify once that secret is configured.
        let policy = Policy::new().hs256(Hs256Secret::new(&secret).expect("32"));
        assert_eq!(verdict_with(&t, &keys(), &policy, NOW), Ok(()));
    }
}

#[test]
fn hs256_secrets_shorter_than_32_bytes_are_refused() {
    assert_eq!(HS256_MIN_SECRET_LEN, 32);
    let bytes = [0x5au8; 64];
    for len in [0usize, 1, 16, 31] {
        assert_eq!(
            Hs256Secret::new(&bytes[..len]).map(|_| ()),
            Err(SecretTooShort),
            "{len}"
        );
    }
    for len in [32usize, 33, 64] {
        assert!(Hs256Secret::new(&bytes[..len]).is_ok(), "{len}");
    }
    // The secret never shows up in debug output.
    let shown = format!("{:?}", Hs256Secret::new(&bytes).expect("64"));
    assert!(!shown.contains("90") && !shown.contains("5a"), "{shown}");
}

// ---------------------------------------------------------------------------------------------
// Key selection
// ---------------------------------------------------------------------------------------------

#[test]
fn kid_is_matched_exactly() {
    let (k1, k2) = (signing_key(1), signing_key(2));
    let set: KeySet<8> = load(&jwks(&[
        jwk(&k1, r#""kid":"k1""#),
        jwk(&k2, r#""kid":"k2""#),
    ]));
    let p = payload();
    let mut buf = vec![0u8; 512];
    let t = es256_token(&k2, r#"{"alg":"ES256","kid":"k2"}"#, &p);
    let v = jwtgate::verify(t.as_bytes(), &mut buf, &set, &Policy::new(), NOW).expect("ok");
    assert!(v.kid().expect("kid").eq_str("k2"));
    // The escaped spelling of the same string is the same kid.
    let t = es256_token(&k2, r#"{"alg":"ES256","kid":"\u006b2"}"#, &p);
    assert_eq!(verdict_with(&t, &set, &Policy::new(), NOW), Ok(()));
    // Anything else is a different kid.
    for kid in [
        "K2",
        "k2 ",
        " k2",
        "k",
        "k22",
        "k2\\u0000",
        "",
        "k1k2",
        "\\u004b2",
    ] {
        let t = es256_token(&k2, &format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#), &p);
        assert_eq!(
            verdict_with(&t, &set, &Policy::new(), NOW),
            Err(Error::KeyNotFound),
            "{kid:?}"
        );
    }
    // A kid longer than any stored kid can only miss.
    let long = "k".repeat(1000);
    let t = es256_token(&k2, &format!(r#"{{"alg":"ES256","kid":"{long}"}}"#), &p);
    assert_eq!(
        verdict_with(&t, &set, &Policy::new(), NOW),
        Err(Error::KeyNotFound)
    );
    // A kid that is not a string is malformed.
    let t = es256_token(&k2, r#"{"alg":"ES256","kid":2}"#, &p);
    assert_eq!(
        verdict_with(&t, &set, &Policy::new(), NOW),
        Err(Error::TokenMalformed)
    );
}

#[test]
fn unknown_kid_is_key_not_found() {
    let t = token(r#"{"alg":"ES256","kid":"rotated-away"}"#, &payload());
    assert_eq!(verdict(&t), Err(Error::KeyNotFound));
}

#[test]
fn duplicated_kid_is_ambiguous() {
    let (k1, k2) = (signing_key(1), signing_key(2));
    let p = payload();
    let t = es256_token(&k1, r#"{"alg":"ES256","kid":"dup"}"#, &p);
    // Two different keys under one kid; either order. The right key is among them, but the
    // verifier must not try candidates.
    for set in [
        jwks(&[jwk(&k1, r#""kid":"dup""#), jwk(&k2, r#""kid":"dup""#)]),
        jwks(&[jwk(&k2, r#""kid":"dup""#), jwk(&k1, r#""kid":"dup""#)]),
        jwks(&[jwk(&k1, r#""kid":"dup""#), jwk(&k1, r#""kid":"dup""#)]),
        jwks(&[jwk(&k1, r#""kid":"dup""#), jwk(&k2, r#""kid":"d\u0075p""#)]),
    ] {
        let keys: KeySet<8> = load(&set);
        assert_eq!(
            verdict_with(&t, &keys, &Policy::new(), NOW),
            Err(Error::KeyNotFound),
            "{set}"
        );
    }
    // A duplicate that is unusable does not make the kid ambiguous.
    let keys: KeySet<8> = load(&jwks(&[
        jwk(&k1, r#""kid":"dup""#),
        jwk(&k2, r#""kid":"dup","use":"enc""#),
    ]));
    assert_eq!(verdict_with(&t, &keys, &Policy::new(), NOW), Ok(()));
}

#[test]
fn no_kid_needs_exactly_one_usable_key() {
    let (k1, k2) = (signing_key(1), signing_key(2));
    let t = es256_token(&k1, r#"{"alg":"ES256"}"#, &payload());
    // Exactly one usable key (with or without a kid of its own, unusable neighbours ignored).
    for set in [
        jwks(&[jwk(&k1, "")]),
        jwks(&[jwk(&k1, r#""kid":"k1""#)]),
        jwks(&[
            jwk(&k2, r#""kid":"k2","use":"enc""#),
            jwk(&k1, r#""kid":"k1""#),
            r#"{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}"#.to_owned(),
        ]),
    ] {
        let keys: KeySet<8> = load(&set);
        assert_eq!(
            verdict_with(&t, &keys, &Policy::new(), NOW),
            Ok(()),
            "{set}"
        );
    }
    // Two usable keys: ambiguous even though one of them would verify.
    for set in [
        jwks(&[jwk(&k1, r#""kid":"k1""#), jwk(&k2, r#""kid":"k2""#)]),
        jwks(&[jwk(&k2, ""), jwk(&k1, "")]),
        jwks(&[jwk(&k1, ""), jwk(&k1, r#""kid":"again""#)]),
    ] {
        let keys: KeySet<8> = load(&set);
        assert_eq!(
            verdict_with(&t, &keys, &Policy::new(), NOW),
            Err(Error::KeyNotFound),
            "{set}"
        );
    }
}

/// JWKs that must be skipped, each with a distinct kid, and the reason `inspect` must give.
fn unusable_jwks() -> Vec<(String, Unusable)> {
    let k = signer(); // the same material as the good key: skipping must be by the rule alone
    let point = k.verifying_key().to_encoded_point(false);
    let (x, y) = (
        point.x().expect("x").to_vec(),
        point.y().expect("y").to_vec(),
    );
    let xy = |kid: &str, xs: &str, ys: &str| {
        format!(r#"{{"kty":"EC","crv":"P-256","kid":"{kid}","x":"{xs}","y":"{ys}"}}"#)
    };
    let (bx, by) = (b64(&x), b64(&y));
    let mut off_curve = y.clone();
    off_curve[31] ^= 1;
    let with_std = (1..=200u8)
        .map(signing_key)
        .map(|k| b64(k.verifying_key().to_encoded_point(false).x().expect("x")))
        .find(|s| s.contains('-') || s.contains('_'))
        .expect("some x has - or _");
    vec![
        (jwk(&k, r#""kid":"enc","use":"enc""#), Unusable::NotForSignatures),
        (jwk(&k, r#""kid":"use-SIG","use":"SIG""#), Unusable::NotForSignatures),
        (jwk(&k, r#""kid":"ops-sign","key_ops":["sign"]"#), Unusable::NoVerifyOp),
        (jwk(&k, r#""kid":"ops-empty","key_ops":[]"#), Unusable::NoVerifyOp),
        (
            jwk(&k, r#""kid":"ops-enc","key_ops":["encrypt","wrapKey"]"#),
            Unusable::NoVerifyOp,
        ),
        (jwk(&k, r#""kid":"es384","alg":"ES384""#), Unusable::AlgMismatch),
        (jwk(&k, r#""kid":"hs256","alg":"HS256""#), Unusable::AlgMismatch),
        (jwk(&k, r#""kid":"lower","alg":"es256""#), Unusable::AlgMismatch),
        (
            r#"{"kty":"RSA","kid":"rsa","use":"sig","alg":"RS384","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw","e":"AQAB"}"#.to_owned(),
            Unusable::AlgMismatch,
        ),
        (
            format!(r#"{{"kty":"oct","kid":"oct","alg":"HS256","k":"{}"}}"#, b64(&[7u8; 32])),
            Unusable::UnsupportedType,
        ),
        (
            format!(r#"{{"kty":"EC","crv":"P-384","kid":"p384","x":"{bx}","y":"{by}"}}"#),
            Unusable::UnsupportedType,
        ),
        (
            format!(r#"{{"kty":"EC","kid":"nocrv","x":"{bx}","y":"{by}"}}"#),
            Unusable::UnsupportedType,
        ),
        (
            format!(r#"{{"kty":"OKP","crv":"X25519","kid":"x25519","x":"{bx}"}}"#),
            Unusable::UnsupportedType,
        ),
        (
            // The identity point: small order, it would verify forgeries.
            format!(r#"{{"kty":"OKP","crv":"Ed25519","kid":"okp-small","x":"{}"}}"#, b64(&{
                let mut id = [0u8; 32];
                id[0] = 1;
                id
            })),
            Unusable::WeakKey,
        ),
        (
            // y = p: not a canonical encoding.
            format!(r#"{{"kty":"OKP","crv":"Ed25519","kid":"okp-p","x":"{}"}}"#, b64(&{
                let mut p = [0xffu8; 32];
                p[0] = 0xed;
                p[31] = 0x7f;
                p
            })),
            Unusable::NotOnCurve,
        ),
        (
            format!(r#"{{"kty":"OKP","crv":"Ed25519","kid":"okp-31","x":"{}"}}"#, b64(&[9u8; 31])),
            Unusable::BadCoordinates,
        ),
        (
            r#"{"kty":"RSA","kid":"rsa-tiny","n":"AQAB","e":"AQAB"}"#.to_owned(),
            Unusable::BadRsaModulus,
        ),
        (
            format!(r#"{{"kty":"RSA","kid":"rsa-1024","n":"{}","e":"AQAB"}}"#, b64(&[0xc5u8; 128])),
            Unusable::BadRsaModulus,
        ),
        (
            format!(r#"{{"kty":"RSA","kid":"rsa-even","n":"{}","e":"AQAB"}}"#, b64(&[0xc4u8; 256])),
            Unusable::BadRsaModulus,
        ),
        (
            format!(r#"{{"kty":"RSA","kid":"rsa-lead0","n":"{}","e":"AQAB"}}"#, b64(&{
                let mut n = [0xc5u8; 257];
                n[0] = 0;
                n
            })),
            Unusable::BadRsaModulus,
        ),
        (
            format!(r#"{{"kty":"RSA","kid":"rsa-e3","n":"{}","e":"Aw"}}"#, b64(&[0xc5u8; 256])),
            Unusable::BadRsaExponent,
        ),
        (
            format!(r#"{{"kty":"RSA","kid":"rsa-e-lead0","n":"{}","e":"AAEAAQ"}}"#, b64(&[0xc5u8; 256])),
            Unusable::BadRsaExponent,
        ),
        (
            format!(r#"{{"kty":"ec","crv":"P-256","kid":"ec-lower","x":"{bx}","y":"{by}"}}"#),
            Unusable::UnsupportedType,
        ),
        (xy("x31", &b64(&x[1..]), &by), Unusable::BadCoordinates),
        (xy("y31", &bx, &b64(&y[..31])), Unusable::BadCoordinates),
        (
            xy("x33", &b64(&[&[0u8][..], &x].concat()), &by),
            Unusable::BadCoordinates,
        ),
        (
            xy("y33", &bx, &b64(&[&[0u8][..], &y].concat())),
            Unusable::BadCoordinates,
        ),
        (xy("x-padded", &format!("{bx}="), &by), Unusable::BadCoordinates),
        (xy("y-padded", &bx, &format!("{by}=")), Unusable::BadCoordinates),
        (
            xy("x-std", &with_std.replace('-', "+").replace('_', "/"), &by),
            Unusable::BadCoordinates,
        ),
        (
            xy("x-noncanonical", &non_canonical(&bx).expect("43 % 4 == 3"), &by),
            Unusable::BadCoordinates,
        ),
        (
            xy("x-escaped", &format!("\\u00{:02x}{}", bx.as_bytes()[0], &bx[1..]), &by),
            Unusable::BadCoordinates,
        ),
        (
            xy("x-space", &format!("{} {}", &bx[..20], &bx[20..]), &by),
            Unusable::BadCoordinates,
        ),
        (
            format!(r#"{{"kty":"EC","crv":"P-256","kid":"no-y","x":"{bx}"}}"#),
            Unusable::BadCoordinates,
        ),
        (xy("off-curve", &bx, &b64(&off_curve)), Unusable::NotOnCurve),
        (xy("identity", &b64(&[0u8; 32]), &b64(&[0u8; 32])), Unusable::NotOnCurve),
        (xy("x-is-p", &b64(&P), &by), Unusable::NotOnCurve),
        (xy("y-is-p", &bx, &b64(&P)), Unusable::NotOnCurve),
        (
            jwk(&k, &format!(r#""kid":"{}""#, "k".repeat(65))),
            Unusable::KidTooLong,
        ),
        (
            format!(r#"{{"kty":1,"crv":"P-256","kid":"kty-num","x":"{bx}","y":"{by}"}}"#),
            Unusable::Malformed,
        ),
        (
            format!(r#"{{"crv":"P-256","kid":"no-kty","x":"{bx}","y":"{by}"}}"#),
            Unusable::Malformed,
        ),
        (jwk(&k, r#""kid":"use-num","use":1"#), Unusable::Malformed),
        (jwk(&k, r#""kid":"ops-str","key_ops":"verify""#), Unusable::Malformed),
    ]
}

#[test]
fn unusable_jwks_are_skipped_without_spoiling_the_set() {
    let bad = unusable_jwks();
    let good = jwk(&signer(), r#""kid":"good""#);
    // The good key first, last, and in the middle.
    let mut orders = Vec::new();
    for at in [0, bad.len() / 2, bad.len()] {
        let mut all: Vec<String> = bad.iter().map(|(j, _)| j.clone()).collect();
        all.insert(at, good.clone());
        orders.push(jwks(&all));
    }
    for doc in &orders {
        let mut keys = KeySet::<4>::new();
        let report = keys.load(doc.as_bytes()).expect("one usable key");
        assert_eq!(
            (report.loaded, report.skipped, report.overflow),
            (1, bad.len(), 0)
        );
        assert_eq!(keys.keys().len(), 1);
        assert_eq!(keys.keys()[0].kid(), Some("good"));
        // inspect gives every JWK its reason, in document order.
        let mut reasons = Vec::new();
        for (value, verdict) in jwk_entries(doc.as_bytes()).expect("a JWK Set") {
            let kid = value
                .as_object()
                .and_then(|o| o.get("kid"))
                .and_then(Value::as_str)
                .map(|k| k.to_string());
            reasons.push((kid, verdict.map(|k| k.kid().map(str::to_owned))));
        }
        assert_eq!(reasons.len(), bad.len() + 1);
        for (jwk_text, want) in &bad {
            let kid = json::parse(jwk_text.as_bytes(), 4)
                .ok()
                .and_then(Value::as_object)
                .and_then(|o| o.get("kid"))
                .and_then(Value::as_str)
                .map(|k| k.to_string());
            let got = reasons
                .iter()
                .find(|(k, _)| *k == kid)
                .map(|(_, v)| v.clone());
            assert_eq!(got, Some(Err(*want)), "{jwk_text}");
            assert!(!want.reason().is_empty());
        }
        assert!(reasons.contains(&(Some("good".to_owned()), Ok(Some("good".to_owned())))));
        // The good key verifies; the same key material under a skipped entry's kid does not.
        assert_eq!(
            verdict_with(
                &token(r#"{"alg":"ES256","kid":"good"}"#, &payload()),
                &keys,
                &Policy::new(),
                NOW
            ),
            Ok(())
        );
        for kid in ["enc", "ops-sign", "ops-empty", "es384", "lower", "x-padded"] {
            let t = token(&format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#), &payload());
            assert_eq!(
                verdict_with(&t, &keys, &Policy::new(), NOW),
                Err(Error::KeyNotFound),
                "{kid}"
            );
        }
    }
}

#[test]
fn usable_variants_of_a_jwk_are_kept() {
    // Members that must not disqualify a key: sig use, verify among key_ops, alg ES256, unknown
    // and private-looking members, a kid of exactly MAX_KID_LEN bytes.
    let k = signer();
    let long_kid = "k".repeat(jwtgate::MAX_KID_LEN);
    let set = jwks(&[
        jwk(&k, r#""kid":"a","use":"sig""#),
        jwk(&k, r#""kid":"b","key_ops":["sign","verify"]"#),
        jwk(&k, r#""kid":"c","alg":"ES256""#),
        jwk(
            &k,
            r#""kid":"d","x5c":["MII"],"ext":true,"whatever":{"deep":[1]}"#,
        ),
        jwk(&k, &format!(r#""kid":"{long_kid}""#)),
        jwk(&k, r#""kid":"\u0066""#),
    ]);
    let mut keys = KeySet::<8>::new();
    let report = keys.load(set.as_bytes()).expect("loads");
    assert_eq!((report.loaded, report.skipped, report.overflow), (6, 0, 0));
    for kid in ["a", "b", "c", "d", long_kid.as_str(), "f"] {
        let t = token(&format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#), &payload());
        assert_eq!(
            verdict_with(&t, &keys, &Policy::new(), NOW),
            Ok(()),
            "{kid}"
        );
    }
}

#[test]
fn more_usable_keys_than_capacity_keeps_the_first_n_and_counts_overflow() {
    let signers: Vec<SigningKey> = (1..=5u8).map(signing_key).collect();
    let entries: Vec<String> = signers
        .iter()
        .enumerate()
        .map(|(i, k)| jwk(k, &format!(r#""kid":"k{i}""#)))
        .collect();
    let mut keys = KeySet::<2>::new();
    let report = keys.load(jwks(&entries).as_bytes()).expect("not an error");
    assert_eq!((report.loaded, report.skipped, report.overflow), (2, 0, 3));
    let kids: Vec<_> = keys.keys().iter().map(|k| k.kid()).collect();
    assert_eq!(kids, [Some("k0"), Some("k1")]);
    for (i, signer) in signers.iter().enumerate() {
        let t = es256_token(
            signer,
            &format!(r#"{{"alg":"ES256","kid":"k{i}"}}"#),
            &payload(),
        );
        let want = if i < 2 {
            Ok(())
        } else {
            Err(Error::KeyNotFound)
        };
        assert_eq!(verdict_with(&t, &keys, &Policy::new(), NOW), want, "k{i}");
    }
    // Unusable keys take no slot.
    let mixed = jwks(&[
        jwk(&signers[0], r#""kid":"x","use":"enc""#),
        entries[0].clone(),
        jwk(&signers[1], r#""kid":"y","alg":"ES384""#),
        entries[1].clone(),
        entries[2].clone(),
    ]);
    let report = keys.load(mixed.as_bytes()).expect("loads");
    assert_eq!((report.loaded, report.skipped, report.overflow), (2, 2, 1));
    let kids: Vec<_> = keys.keys().iter().map(|k| k.kid()).collect();
    assert_eq!(kids, [Some("k0"), Some("k1")]);
}

#[test]
fn a_well_formed_set_without_usable_keys_revokes_every_key() {
    let t = token(HEADER, &payload());
    let only_bad: Vec<String> = unusable_jwks().into_iter().map(|(j, _)| j).collect();
    for (doc, skipped) in [(jwks(&only_bad), only_bad.len()), (jwks(&[]), 0)] {
        let mut keys = KeySet::<4>::new();
        keys.load(jwks(&[jwk(&signer(), r#""kid":"k1""#)]).as_bytes())
            .expect("loads");
        let report = keys.load(doc.as_bytes()).expect("a well-formed set loads");
        assert_eq!((report.loaded, report.skipped), (0, skipped), "{doc}");
        assert!(keys.is_empty(), "{doc}");
        assert_eq!(
            verdict_with(&t, &keys, &Policy::new(), NOW),
            Err(Error::KeyNotFound)
        );
    }
}

#[test]
fn a_malformed_set_is_jwks_invalid_and_keeps_the_old_keys() {
    let mut keys = KeySet::<4>::new();
    keys.load(jwks(&[jwk(&signer(), r#""kid":"k1""#)]).as_bytes())
        .expect("loads");
    let t = token(HEADER, &payload());
    for doc in [
        r#"{"keys":[1]}"#.to_owned(),
        format!(r#"{{"keys":[{},"k"]}}"#, jwk(&signer(), "")),
        r#"{"keys":{}}"#.to_owned(),
        r#"{"keys":null}"#.to_owned(),
        r#"{"key":[]}"#.to_owned(),
        r#"{}"#.to_owned(),
        r#"[]"#.to_owned(),
        String::new(),
        format!(r#"{{"keys":[{}]"#, jwk(&signer(), "")),
        format!(r#"{{"keys":[],"keys":[{}]}}"#, jwk(&signer(), "")),
        format!("\u{feff}{}", jwks(&[jwk(&signer(), "")])),
    ] {
        assert_eq!(keys.load(doc.as_bytes()), Err(Error::JwksInvalid), "{doc}");
        assert_eq!(keys.keys().len(), 1, "{doc}");
        assert_eq!(verdict_with(&t, &keys, &Policy::new(), NOW), Ok(()));
    }
    // A good set does replace the old keys.
    keys.load(jwks(&[jwk(&signing_key(2), r#""kid":"k2""#)]).as_bytes())
        .expect("loads");
    assert_eq!(
        verdict_with(&t, &keys, &Policy::new(), NOW),
        Err(Error::KeyNotFound)
    );
}

// ---------------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------------

fn signed_parts() -> (String, [u8; 32], [u8; 32]) {
    let good = token(HEADER, &payload());
    let (h, p, s) = segments(&good);
    let sig = Base64UrlUnpadded::decode_vec(s).expect("b64");
    let r: [u8; 32] = sig[..32].try_into().expect("32");
    let s: [u8; 32] = sig[32..].try_into().expect("32");
    (format!("{h}.{p}"), r, s)
}

fn with_sig(input: &str, sig: &[u8]) -> String {
    format!("{input}.{}", b64(sig))
}

#[test]
fn r_or_s_out_of_range_is_signature_invalid() {
    let (input, r, s) = signed_parts();
    assert_eq!(verdict(&with_sig(&input, &[r, s].concat())), Ok(()));
    let zero = [0u8; 32];
    let ff = [0xffu8; 32];
    let mut n_plus_1 = N;
    n_plus_1[31] += 1;
    let mut one = [0u8; 32];
    one[31] = 1;
    for (name, r2, s2) in [
        ("r = 0", zero, s),
        ("s = 0", r, zero),
        ("r = s = 0", zero, zero),
        ("r = n", N, s),
        ("s = n", r, N),
        ("r = n + 1", n_plus_1, s),
        ("s = n + 1", r, n_plus_1),
        ("r = 2^256 - 1", ff, s),
        ("s = 2^256 - 1", r, ff),
        ("r = s = 1", one, one),
        ("swapped", s, r),
    ] {
        assert_eq!(
            verdict(&with_sig(&input, &[r2, s2].concat())),
            Err(Error::SignatureInvalid),
            "{name}"
        );
    }
    // r + n and s + n do not fit in 32 bytes: the raw form has no room for that trick.
}

#[test]
fn signatures_of_the_wrong_length_are_rejected() {
    let (input, r, s) = signed_parts();
    let sig = [r, s].concat();
    let mut der = vec![0x30, 0x46, 0x02, 0x21, 0x00];
    der.extend_from_slice(&r);
    der.extend_from_slice(&[0x02, 0x21, 0x00]);
    der.extend_from_slice(&s);
    for bad in [
        sig[..63].to_vec(),
        sig[1..].to_vec(),
        [sig.as_slice(), &[0]].concat(),
        [&[0u8][..], sig.as_slice()].concat(),
        [&[0u8][..], &r, &[0u8][..], &s].concat(),
        [sig.as_slice(), sig.as_slice()].concat(),
        sig[..32].to_vec(),
        Vec::new(),
        der,
    ] {
        assert_eq!(
            verdict(&with_sig(&input, &bad)),
            Err(Error::SignatureInvalid),
            "{} bytes",
            bad.len()
        );
    }
}

#[test]
fn high_s_signatures_are_accepted() {
    let (input, r, s) = signed_parts();
    let s_scalar = Option::<p256::Scalar>::from(p256::Scalar::from_repr(s.into())).expect("s < n");
    let flipped: [u8; 32] = (-s_scalar).to_repr().into();
    assert_ne!(flipped, s);
    let a = Signature::from_scalars(r, s).expect("valid");
    let b = Signature::from_scalars(r, flipped).expect("valid");
    // Exactly one of the two is high-S.
    assert_ne!(a.normalize_s().is_some(), b.normalize_s().is_some());
    assert_eq!(verdict(&with_sig(&input, &a.to_bytes())), Ok(()));
    assert_eq!(verdict(&with_sig(&input, &b.to_bytes())), Ok(()));
}

// ---------------------------------------------------------------------------------------------
// Claims
// ---------------------------------------------------------------------------------------------

#[test]
fn exp_is_required() {
    for payload in [
        r#"{"sub":"user"}"#.to_owned(),
        "{}".to_owned(),
        format!(r#"{{"sub":"user","nbf":{NOW},"iat":{NOW}}}"#),
        format!(r#"{{"sub":"user","Exp":{EXP}}}"#),
        format!(r#"{{"sub":"user","x":{{"exp":{EXP}}}}}"#),
    ] {
        assert_eq!(
            claims_verdict(&payload, &Policy::new(), NOW),
            Err(Error::ClaimInvalid),
            "{payload}"
        );
    }
}

#[test]
fn exp_must_be_a_number() {
    for exp in [
        format!(r#""{EXP}""#),
        "null".to_owned(),
        "true".to_owned(),
        format!("[{EXP}]"),
        format!(r#"{{"v":{EXP}}}"#),
        r#""""#.to_owned(),
    ] {
        let payload = format!(r#"{{"sub":"user","exp":{exp}}}"#);
        assert_eq!(
            claims_verdict(&payload, &Policy::new(), NOW),
            Err(Error::ClaimInvalid),
            "{payload}"
        );
    }
}

#[test]
fn exp_in_integer_fraction_and_exponent_form() {
    // EXP = 1_700_000_600 in every notation: valid at EXP - 1, expired at EXP.
    for exp in [
        "1700000600",
        "1700000600.0",
        "1700000600.000",
        "1.7000006e9",
        "1.7000006E9",
        "1.7000006e+9",
        "17000006e2",
        "170000060000e-2",
        "0.17000006e10",
        "1700000600e0",
        "1700000600E-0",
    ] {
        let payload = format!(r#"{{"exp":{exp}}}"#);
        assert_eq!(
            claims_verdict(&payload, &Policy::new(), EXP - 1),
            Ok(()),
            "{exp} at EXP - 1"
        );
        assert_eq!(
            claims_verdict(&payload, &Policy::new(), EXP),
            Err(Error::TokenExpired),
            "{exp} at EXP"
        );
    }
    // Far past, far future, beyond i64, and zero.
    let far = [
        ("0", Err(Error::TokenExpired)),
        ("-1", Err(Error::TokenExpired)),
        ("-1e400", Err(Error::TokenExpired)),
        ("1e-400", Err(Error::TokenExpired)),
        ("9999999999", Ok(())),
        ("1e400", Ok(())),
        ("99999999999999999999999999", Ok(())),
    ];
    for (exp, want) in far {
        let payload = format!(r#"{{"exp":{exp}}}"#);
        assert_eq!(claims_verdict(&payload, &Policy::new(), NOW), want, "{exp}");
    }
}

#[test]
fn exp_and_nbf_leeway_boundaries() {
    for leeway in [0u64, 1, 30, 3600] {
        let policy = Policy::new().leeway(leeway);
        // exp: valid iff now < exp + leeway.
        let p = format!(r#"{{"exp":{EXP}}}"#);
        assert_eq!(
            claims_verdict(&p, &policy, EXP + leeway - 1),
            Ok(()),
            "exp, leeway {leeway}"
        );
        assert_eq!(
            claims_verdict(&p, &policy, EXP + leeway),
            Err(Error::TokenExpired),
            "exp, leeway {leeway}"
        );
        // nbf: valid iff nbf <= now + leeway.
        let nbf_ok = NOW + leeway;
        let p = format!(r#"{{"exp":{},"nbf":{nbf_ok}}}"#, EXP + 10_000);
        assert_eq!(
            claims_verdict(&p, &policy, NOW),
            Ok(()),
            "nbf = now + {leeway}"
        );
        let p = format!(r#"{{"exp":{},"nbf":{}}}"#, EXP + 10_000, nbf_ok + 1);
        assert_eq!(
            claims_verdict(&p, &policy, NOW),
            Err(Error::TokenNotYetValid),
            "nbf = now + {leeway} + 1"
        );
    }
    // Expiry is checked before nbf: a token both expired and not yet valid is expired.
    let p = format!(r#"{{"exp":{NOW},"nbf":{EXP}}}"#);
    assert_eq!(
        claims_verdict(&p, &Policy::new(), NOW),
        Err(Error::TokenExpired)
    );
}

#[test]
fn fractional_exp_and_nbf_boundaries() {
    let x = EXP;
    for leeway in [0u64, 10] {
        let policy = Policy::new().leeway(leeway);
        // exp = x.5: now = x + leeway is before it, x + leeway + 1 is after.
        for exp in [
            format!("{x}.5"),
            format!("{x}5e-1"),
            format!("{x}.000000001"),
        ] {
            let p = format!(r#"{{"exp":{exp}}}"#);
            assert_eq!(
                claims_verdict(&p, &policy, x + leeway),
                Ok(()),
                "{exp} leeway {leeway}"
            );
            assert_eq!(
                claims_verdict(&p, &policy, x + leeway + 1),
                Err(Error::TokenExpired),
                "{exp} leeway {leeway}"
            );
        }
        // exp just below x: expired at x + leeway, valid a second earlier.
        let p = format!(r#"{{"exp":{}.999999999}}"#, x - 1);
        assert_eq!(
            claims_verdict(&p, &policy, x + leeway - 1),
            Ok(()),
            "leeway {leeway}"
        );
        assert_eq!(
            claims_verdict(&p, &policy, x + leeway),
            Err(Error::TokenExpired),
            "leeway {leeway}"
        );
        // nbf = n.5: not valid at n - leeway (n.5 > n), valid at n - leeway + 1.
        let n = NOW;
        let p = format!(r#"{{"exp":{},"nbf":{n}.5}}"#, EXP + 10_000);
        assert_eq!(
            claims_verdict(&p, &policy, n - leeway),
            Err(Error::TokenNotYetValid),
            "nbf leeway {leeway}"
        );
        assert_eq!(
            claims_verdict(&p, &policy, n - leeway + 1),
            Ok(()),
            "nbf leeway {leeway}"
        );
    }
}

#[test]
fn nbf_and_iat_must_be_numbers() {
    for (name, value) in [
        ("nbf", r#""1700000000""#),
        ("nbf", "null"),
        ("nbf", "[1]"),
        ("iat", r#""1700000000""#),
        ("iat", "null"),
        ("iat", "false"),
        ("iat", "{}"),
    ] {
        let p = format!(r#"{{"exp":{EXP},"{name}":{value}}}"#);
        assert_eq!(
            claims_verdict(&p, &Policy::new(), NOW),
            Err(Error::ClaimInvalid),
            "{p}"
        );
    }
    // iat is not compared with now, in any notation.
    for iat in ["9999999999", "0", "1.7e9", "1700000000.5", "-5"] {
        let p = format!(r#"{{"exp":{EXP},"iat":{iat}}}"#);
        assert_eq!(claims_verdict(&p, &Policy::new(), NOW), Ok(()), "{p}");
    }
}

const ISS: &str = "https://abcdefghij.supabase.co/auth/v1";

#[test]
fn iss_is_exact_string_equality() {
    let policy = Policy::new().issuer(ISS);
    let with_iss = |iss: &str| format!(r#"{{"exp":{EXP},"iss":{iss}}}"#);
    for ok in [
        format!(r#""{ISS}""#),
        r#""https:\/\/abcdefghij.supabase.co\/auth\/v1""#.to_owned(),
        r#""\u0068ttps://abcdefghij.supabase.co/auth/v\u0031""#.to_owned(),
    ] {
        assert_eq!(claims_verdict(&with_iss(&ok), &policy, NOW), Ok(()), "{ok}");
    }
    for bad in [
        format!(r#""{ISS}/""#),
        format!(r#""{ISS} ""#),
        format!(r#"" {ISS}""#),
        format!(r#""{ISS}\u0000""#),
        format!(r#""{}""#, ISS.to_uppercase()),
        r#""https://abcdefghij.supabase.co/auth/v2""#.to_owned(),
        r#""https://abcdefghij.supabase.co/auth""#.to_owned(),
        r#""""#.to_owned(),
    ] {
        assert_eq!(
            claims_verdict(&with_iss(&bad), &policy, NOW),
            Err(Error::ClaimInvalid),
            "{bad}"
        );
    }
    // Missing when required.
    assert_eq!(
        claims_verdict(&payload(), &policy, NOW),
        Err(Error::ClaimInvalid)
    );
    // Wrongly typed: rejected whether or not an issuer is configured.
    for bad in [
        format!(r#"["{ISS}"]"#),
        "1".to_owned(),
        "null".to_owned(),
        format!(r#"{{"iss":"{ISS}"}}"#),
    ] {
        for policy in [Policy::new(), Policy::new().issuer(ISS)] {
            assert_eq!(
                claims_verdict(&with_iss(&bad), &policy, NOW),
                Err(Error::ClaimInvalid),
                "{bad}"
            );
        }
    }
}

#[test]
fn aud_is_the_value_or_an_array_of_strings_containing_it() {
    let policy = Policy::new().audience("authenticated");
    let with_aud = |aud: &str| format!(r#"{{"exp":{EXP},"aud":{aud}}}"#);
    for ok in [
        r#""authenticated""#,
        r#"["authenticated"]"#,
        r#"["other","authenticated"]"#,
        r#"["authenticated","other"]"#,
        r#""\u0061uthenticated""#,
    ] {
        assert_eq!(claims_verdict(&with_aud(ok), &policy, NOW), Ok(()), "{ok}");
    }
    for bad in [
        r#""anon""#,
        r#""Authenticated""#,
        r#""authenticated ""#,
        r#"["anon","other"]"#,
        r#"[]"#,
        r#""""#,
    ] {
        assert_eq!(
            claims_verdict(&with_aud(bad), &policy, NOW),
            Err(Error::ClaimInvalid),
            "{bad}"
        );
    }
    // Missing when required.
    assert_eq!(
        claims_verdict(&payload(), &policy, NOW),
        Err(Error::ClaimInvalid)
    );
    // Wrongly typed, even when the wanted value is also present; configured or not.
    for bad in [
        r#"["authenticated",1]"#,
        r#"[1,"authenticated"]"#,
        r#"["authenticated",null]"#,
        r#"[["authenticated"]]"#,
        r#"{"aud":"authenticated"}"#,
        "1",
        "null",
        "true",
    ] {
        for policy in [Policy::new(), Policy::new().audience("authenticated")] {
            assert_eq!(
                claims_verdict(&with_aud(bad), &policy, NOW),
                Err(Error::ClaimInvalid),
                "{bad}"
            );
        }
    }
}

#[test]
fn sub_and_jti_must_be_strings() {
    for (name, value) in [
        ("sub", "1"),
        ("sub", "null"),
        ("sub", "true"),
        ("sub", r#"["user"]"#),
        ("sub", r#"{"id":"user"}"#),
        ("jti", "1"),
        ("jti", "null"),
    ] {
        let p = format!(r#"{{"exp":{EXP},"{name}":{value}}}"#);
        assert_eq!(
            claims_verdict(&p, &Policy::new(), NOW),
            Err(Error::ClaimInvalid),
            "{p}"
        );
    }
}

#[test]
fn claims_are_checked_in_the_documented_order() {
    // signature before claims: a badly signed token with broken claims is a signature failure.
    let broken = r#"{"sub":1}"#;
    let forged = es256_token(&attacker(), HEADER, broken);
    assert_eq!(verdict(&forged), Err(Error::SignatureInvalid));
    // types before time, time before identity.
    let policy = Policy::new().issuer(ISS).audience("authenticated");
    let p = format!(r#"{{"exp":{NOW},"sub":1,"iss":"x"}}"#);
    assert_eq!(claims_verdict(&p, &policy, NOW), Err(Error::ClaimInvalid));
    let p = format!(r#"{{"exp":{NOW},"iss":"x","aud":"y"}}"#);
    assert_eq!(claims_verdict(&p, &policy, NOW), Err(Error::TokenExpired));
    let p = format!(r#"{{"exp":{EXP},"nbf":{EXP},"iss":"x","aud":"y"}}"#);
    assert_eq!(
        claims_verdict(&p, &policy, NOW),
        Err(Error::TokenNotYetValid)
    );
}

#[test]
fn header_errors_are_reported_before_the_signature_shape() {
    // The parse contract: a header that is not a strict JSON object is TokenMalformed and an
    // unsupported alg is AlgNotAllowed, whatever the signature segment holds.
    let p = b64(payload().as_bytes());
    let long_sig = b64(&[0x41u8; 100]);
    for (header, want) in [
        (r#"{"alg":"none"}"#, Error::AlgNotAllowed),
        (r#"{"alg":"RS384","kid":"k1"}"#, Error::AlgNotAllowed),
        (r#"{"alg":"ES256","crit":[]}"#, Error::AlgNotAllowed),
        ("[]", Error::TokenMalformed),
        (r#"{"alg":"ES256","alg":"ES256"}"#, Error::TokenMalformed),
    ] {
        let t = format!("{}.{p}.{long_sig}", b64(header.as_bytes()));
        let mut buf = vec![0u8; t.len()];
        assert_eq!(
            UntrustedToken::parse(t.as_bytes(), &mut buf).map(|_| ()),
            Err(want),
            "{header}"
        );
        assert_eq!(verdict(&t), Err(want), "{header}");
    }
    // With a well-formed header, an over-long signature is a signature failure.
    let t = format!("{}.{p}.{long_sig}", b64(HEADER.as_bytes()));
    assert_eq!(verdict(&t), Err(Error::SignatureInvalid));
}

// ---------------------------------------------------------------------------------------------
// HS256 / ES256 key confusion
// ---------------------------------------------------------------------------------------------

#[test]
fn hs256_macced_with_the_public_key_is_rejected() {
    let k = signer();
    let jwk_text = jwk(&k, r#""kid":"k1""#);
    let keys: KeySet<8> = load(&jwks(core::slice::from_ref(&jwk_text)));
    let point = k.verifying_key().to_encoded_point(false);
    let compressed = k.verifying_key().to_encoded_point(true);
    let xy = [&point.x().expect("x")[..], &point.y().expect("y")[..]].concat();
    let jwks_text = jwks(core::slice::from_ref(&jwk_text));
    let public_secrets: Vec<(&str, Vec<u8>)> = vec![
        ("JWK JSON text", jwk_text.clone().into_bytes()),
        ("JWK Set JSON text", jwks_text.into_bytes()),
        ("SEC1 uncompressed point", point.as_bytes().to_vec()),
        ("SEC1 compressed point", compressed.as_bytes().to_vec()),
        ("x || y", xy),
        ("x", point.x().expect("x").to_vec()),
    ];
    let real_secret = [0x42u8; 48];
    let enabled = Policy::new().hs256(Hs256Secret::new(&real_secret).expect("48"));
    let p = payload();
    for (what, public) in &public_secrets {
        for header in [r#"{"alg":"HS256"}"#, r#"{"alg":"HS256","kid":"k1"}"#] {
            let t = hs256_token(public, header, &p);
            assert_eq!(
                verdict_with(&t, &keys, &Policy::new(), NOW),
                Err(Error::AlgNotAllowed),
                "{what}, HS256 disabled, {header}"
            );
            assert_eq!(
                verdict_with(&t, &keys, &enabled, NOW),
                Err(Error::SignatureInvalid),
                "{what}, HS256 enabled, {header}"
            );
            assert_eq!(
                verdict_with(
                    &t,
                    &keys,
                    &enabled.allow(jwtgate::Algorithm::Es256, false),
                    NOW
                ),
                Err(Error::SignatureInvalid),
                "{what}, HS256 only, {header}"
            );
        }
    }
    // An `oct` key in the JWK Set never becomes an HS256 secret.
    let shared = [0x33u8; 32];
    let oct_set: KeySet<8> = load(&jwks(&[
        jwk(&k, r#""kid":"k1""#),
        format!(
            r#"{{"kty":"oct","kid":"hs","alg":"HS256","k":"{}"}}"#,
            b64(&shared)
        ),
    ]));
    let t = hs256_token(&shared, r#"{"alg":"HS256","kid":"hs"}"#, &p);
    assert_eq!(
        verdict_with(&t, &oct_set, &Policy::new(), NOW),
        Err(Error::AlgNotAllowed)
    );
    assert_eq!(
        verdict_with(&t, &oct_set, &enabled, NOW),
        Err(Error::SignatureInvalid)
    );
}

// ---------------------------------------------------------------------------------------------
// Supabase claims and the caller's own types
// ---------------------------------------------------------------------------------------------

fn supabase_payload(extra: &str) -> String {
    format!(
        r#"{{"iss":"{ISS}","sub":"8d2a3c4e-0b1f-4c5d-9e6f-7a8b9c0d1e2f","aud":"authenticated",
"exp":{EXP},"iat":{NOW},"email":"ada@example.com","phone":"",
"app_metadata":{{"provider":"email","providers":["email"]}},
"user_metadata":{{"email":"ada@example.com","email_verified":true,"phone_verified":false,
"sub":"8d2a3c4e-0b1f-4c5d-9e6f-7a8b9c0d1e2f"}},
"role":"authenticated","aal":"aal1","amr":[{{"method":"password","timestamp":{NOW}}}],
"session_id":"1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b","is_anonymous":false{extra}}}"#
    )
}

fn supabase_policy() -> Policy<'static> {
    Policy::new().issuer(ISS).audience("authenticated")
}

#[test]
fn supabase_claims_are_typed() {
    let t = token(
        r#"{"alg":"ES256","kid":"k1","typ":"JWT"}"#,
        &supabase_payload(""),
    );
    let mut buf = vec![0u8; t.len()];
    let v = jwtgate::verify(t.as_bytes(), &mut buf, &keys(), &supabase_policy(), NOW)
        .expect("a Supabase access token verifies");
    let sb = v.supabase().expect("well-typed");
    assert!(sb.role.expect("role").eq_str("authenticated"));
    assert!(sb.aal.expect("aal").eq_str("aal1"));
    assert!(
        sb.session_id
            .expect("session_id")
            .eq_str("1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b")
    );
    assert!(sb.email.expect("email").eq_str("ada@example.com"));
    assert_eq!(sb.is_anonymous, Some(false));
    let claims = v.claims();
    assert!(
        claims
            .sub()
            .expect("sub")
            .eq_str("8d2a3c4e-0b1f-4c5d-9e6f-7a8b9c0d1e2f")
    );
    assert_eq!(claims.iat(), Some(i64::try_from(NOW).expect("fits")));
    let app = claims
        .get("app_metadata")
        .and_then(Value::as_object)
        .expect("object");
    assert!(
        app.get("provider")
            .and_then(Value::as_str)
            .expect("provider")
            .eq_str("email")
    );
    // An anonymous session with escaped text (as Go's encoder writes `&` and `<`), and a
    // name written with an escape, which still names `role`.
    let t = token(
        HEADER,
        &format!(
            r#"{{"exp":{EXP},"r\u006fle":"anon","is_anonymous":true,"email":"a\u0026b\u003cc@x.io"}}"#
        ),
    );
    let mut buf = vec![0u8; t.len()];
    let v = jwtgate::verify(t.as_bytes(), &mut buf, &keys(), &Policy::new(), NOW).expect("ok");
    let sb = v.supabase().expect("well-typed");
    assert_eq!(sb.is_anonymous, Some(true));
    assert!(sb.role.expect("role").eq_str("anon"));
    assert!(sb.email.expect("email").eq_str("a&b<c@x.io"));
    assert!(sb.aal.is_none() && sb.session_id.is_none());
}

#[test]
fn supabase_claims_of_the_wrong_type_are_claim_invalid_on_access() {
    for extra in [
        r#","role":1"#,
        r#","aal":["aal1"]"#,
        r#","session_id":null"#,
        r#","email":false"#,
        r#","is_anonymous":"false""#,
        r#","is_anonymous":0"#,
    ] {
        // `supabase_payload` already has each of these; build without the duplicate.
        let base = format!(r#"{{"exp":{EXP},"sub":"u"{extra}}}"#);
        let t = token(HEADER, &base);
        let mut buf = vec![0u8; t.len()];
        let v = jwtgate::verify(t.as_bytes(), &mut buf, &keys(), &Policy::new(), NOW)
            .expect("the registered claims are fine");
        assert_eq!(
            v.supabase().map(|_| ()),
            Err(Error::ClaimInvalid),
            "{extra}"
        );
    }
}

#[derive(Debug, serde::Deserialize)]
struct AppMetadata<'a> {
    provider: &'a str,
}

#[derive(Debug, serde::Deserialize)]
struct SupabaseAccess<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: u64,
    iat: u64,
    email: &'a str,
    role: &'a str,
    aal: &'a str,
    session_id: &'a str,
    is_anonymous: bool,
    app_metadata: AppMetadata<'a>,
}

#[test]
fn verified_payload_deserializes_into_the_callers_type() {
    let t = token(HEADER, &supabase_payload(""));
    let mut buf = vec![0u8; t.len()];
    let v = jwtgate::verify(t.as_bytes(), &mut buf, &keys(), &supabase_policy(), NOW).expect("ok");
    let mut scratch = vec![0u8; v.claims().raw().len()];
    let access: SupabaseAccess<'_> = v.deserialize(&mut scratch).expect("fits");
    assert_eq!(access.iss, ISS);
    assert_eq!(access.sub, "8d2a3c4e-0b1f-4c5d-9e6f-7a8b9c0d1e2f");
    assert_eq!(access.aud, "authenticated");
    assert_eq!((access.exp, access.iat), (EXP, NOW));
    assert_eq!(access.email, "ada@example.com");
    assert_eq!(access.role, "authenticated");
    assert_eq!(access.aal, "aal1");
    assert_eq!(access.session_id, "1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b");
    assert!(!access.is_anonymous);
    assert_eq!(access.app_metadata.provider, "email");

    // A payload that does not fit the type is ClaimInvalid, not a panic.
    #[derive(Debug, serde::Deserialize)]
    struct NeedsLevel {
        #[allow(dead_code)]
        level: u8,
    }
    assert_eq!(
        v.deserialize::<NeedsLevel>(&mut scratch).map(|_| ()),
        Err(Error::ClaimInvalid)
    );
    #[derive(Debug, serde::Deserialize)]
    struct RoleIsNumber {
        #[allow(dead_code)]
        role: u32,
    }
    assert_eq!(
        v.deserialize::<RoleIsNumber>(&mut scratch).map(|_| ()),
        Err(Error::ClaimInvalid)
    );
}

/// Go's encoder (Supabase Auth) writes `&`, `<`, `>` as `\u0026`-style escapes. The caller's
/// type must never see the escaped text while `claims()`/`supabase()` see the decoded string:
/// `Verified::deserialize` decodes through its scratch buffer, or refuses with `ClaimInvalid`.
#[test]
fn deserialize_never_silently_returns_escaped_text() {
    #[derive(Debug, serde::Deserialize)]
    struct Email<'a> {
        email: &'a str,
    }
    let t = token(
        HEADER,
        &format!(r#"{{"exp":{EXP},"email":"tom\u0026jerry@example.com"}}"#),
    );
    let mut buf = vec![0u8; t.len()];
    let v = jwtgate::verify(t.as_bytes(), &mut buf, &keys(), &Policy::new(), NOW).expect("ok");
    assert!(
        v.supabase()
            .expect("typed")
            .email
            .expect("email")
            .eq_str("tom&jerry@example.com")
    );
    let mut scratch = vec![0u8; v.claims().raw().len()];
    match v.deserialize::<Email<'_>>(&mut scratch) {
        Ok(e) => assert_eq!(e.email, "tom&jerry@example.com"),
        Err(e) => assert_eq!(e, Error::ClaimInvalid),
    }
    // An owned field receives the decoded text.
    #[derive(Debug, serde::Deserialize)]
    struct OwnedEmail {
        email: String,
    }
    let owned: OwnedEmail = v.deserialize(&mut scratch).expect("decodes");
    assert_eq!(owned.email, "tom&jerry@example.com");
    // A scratch buffer too short to unescape into is a clean error.
    assert_eq!(
        v.deserialize::<OwnedEmail>(&mut [0u8; 4]).map(|_| ()),
        Err(Error::ClaimInvalid)
    );
}

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

#[test]
fn header_objects_with_too_many_members_are_malformed() {
    // The header is parsed before any signature check: a bound on members per object (with
    // the 2 KiB length and depth 4) keeps every header within the duplicate check's exact,
    // collision-free room. Real headers have a handful of members.
    let with_members = |n: usize| {
        let extra: String = (0..n.saturating_sub(2))
            .map(|i| format!(r#","p{i}":0"#))
            .collect();
        format!(r#"{{"alg":"ES256","kid":"k1"{extra}}}"#)
    };
    assert_eq!(verdict(&token(&with_members(64), &payload())), Ok(()));
    assert_eq!(
        verdict(&token(&with_members(65), &payload())),
        Err(Error::TokenMalformed)
    );
    assert_eq!(
        verdict(&token(&with_members(3000), &payload())),
        Err(Error::TokenMalformed)
    );
    // Nested objects (an embedded `jwk`) are bounded the same way.
    let nested: String = (0..65)
        .map(|i| format!(r#""q{i}":0"#))
        .collect::<Vec<_>>()
        .join(",");
    let header = format!(r#"{{"alg":"ES256","kid":"k1","jwk":{{{nested}}}}}"#);
    assert_eq!(
        verdict(&token(&header, &payload())),
        Err(Error::TokenMalformed)
    );
    // Payloads are only parsed after the signature, and are not bounded this way.
    let wide: String = (0..500).map(|i| format!(r#","c{i}":{i}"#)).collect();
    assert_eq!(
        claims_verdict(&format!(r#"{{"exp":{EXP}{wide}}}"#), &Policy::new(), NOW),
        Ok(())
    );
}

#[test]
fn headers_over_2_kib_are_malformed_before_their_json_is_read() {
    // The header is parsed before any signature check; real ones are 100-200 bytes.
    let header_of_len = |alg: &str, len: usize| {
        let bare = format!(r#"{{"alg":"{alg}","kid":"k1","pad":""}}"#);
        let header = format!(
            r#"{{"alg":"{alg}","kid":"k1","pad":"{}"}}"#,
            "x".repeat(len - bare.len())
        );
        assert_eq!(header.len(), len);
        header
    };
    assert_eq!(
        verdict(&token(&header_of_len("ES256", 2048), &payload())),
        Ok(())
    );
    assert_eq!(
        verdict(&token(&header_of_len("ES256", 2049), &payload())),
        Err(Error::TokenMalformed)
    );
    // At 2048 bytes the header is read (and its alg refused); one byte more and it is not.
    assert_eq!(
        verdict(&token(&header_of_len("none", 2048), &payload())),
        Err(Error::AlgNotAllowed)
    );
    assert_eq!(
        verdict(&token(&header_of_len("none", 2049), &payload())),
        Err(Error::TokenMalformed)
    );
    // Oversized headers of every encoded length mod 4 (2049..=2052 decoded bytes).
    for len in 2049..=2052 {
        assert_eq!(
            verdict(&token(&header_of_len("ES256", len), &payload())),
            Err(Error::TokenMalformed),
            "{len}-byte header"
        );
    }
}

#[test]
fn token_too_large_for_the_buffer_is_malformed_not_a_panic() {
    let t = token(HEADER, &supabase_payload(""));
    let (h, p, _) = segments(&t);
    let needed = Base64UrlUnpadded::decode_vec(h).expect("b64").len()
        + Base64UrlUnpadded::decode_vec(p).expect("b64").len();
    let mut exact = vec![0u8; needed];
    assert_eq!(
        jwtgate::verify(t.as_bytes(), &mut exact, &keys(), &supabase_policy(), NOW).map(|_| ()),
        Ok(())
    );
    for size in [0, 1, 8, HEADER.len() - 1, HEADER.len(), needed - 1] {
        let mut buf = vec![0u8; size];
        assert_eq!(
            jwtgate::verify(t.as_bytes(), &mut buf, &keys(), &supabase_policy(), NOW).map(|_| ()),
            Err(Error::TokenMalformed),
            "buffer of {size}"
        );
    }
    // A megabyte of payload against a 4 KiB buffer.
    let huge = format!(r#"{{"exp":{EXP},"x":"{}"}}"#, "a".repeat(1 << 20));
    let t = token(HEADER, &huge);
    let mut buf = [0u8; 4096];
    assert_eq!(
        jwtgate::verify(t.as_bytes(), &mut buf, &keys(), &Policy::new(), NOW).map(|_| ()),
        Err(Error::TokenMalformed)
    );
    // A megabyte of garbage with no dots, and of dots.
    for junk in ["A".repeat(1 << 20), ".".repeat(1 << 20)] {
        assert_eq!(
            jwtgate::verify(junk.as_bytes(), &mut buf, &keys(), &Policy::new(), NOW).map(|_| ()),
            Err(Error::TokenMalformed)
        );
    }
}

/// RS256 and EdDSA: each key verifies only tokens of its own type's algorithm (selection is
/// per algorithm, a kid of another type's key is no match), HS256 is never keyed from RSA or
/// OKP material, and the JWK rules (`use`, `key_ops`, `alg`) hold for the new types too.
#[test]
fn rs256_and_eddsa_keys_verify_only_their_own_algorithm() {
    use ring::signature::KeyPair as _;
    let rsa =
        ring::signature::RsaKeyPair::from_pkcs8(include_bytes!("../../fuzz/keys/rsa2048.pk8.der"))
            .expect("the test key");
    let parts: ring::rsa::PublicKeyComponents<Vec<u8>> = rsa.public_key().into();
    let (n, e) = (b64(&parts.n), b64(&parts.e));
    let ed = ring::signature::Ed25519KeyPair::from_seed_unchecked(&[7; 32]).expect("seed");
    let x = b64(ed.public_key().as_ref());
    let rsa_jwk = |extra: &str| format!(r#"{{"kty":"RSA","n":"{n}","e":"{e}"{extra}}}"#);
    let okp_jwk = |extra: &str| format!(r#"{{"kty":"OKP","crv":"Ed25519","x":"{x}"{extra}}}"#);
    let set = load::<8>(&jwks(&[
        jwk(&signer(), r#""kid":"k1""#),
        rsa_jwk(r#","kid":"r1""#),
        okp_jwk(r#","kid":"e1""#),
    ]));
    let sign = |header: &str, payload: &str| {
        let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
        let sig = if header.contains("RS256") {
            let mut sig = vec![0u8; rsa.public().modulus_len()];
            rsa.sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                input.as_bytes(),
                &mut sig,
            )
            .expect("signs");
            sig
        } else {
            ed.sign(input.as_bytes()).as_ref().to_vec()
        };
        format!("{input}.{}", b64(&sig))
    };
    let p = payload();
    let v = |t: &str| verdict_with(t, &set, &Policy::new(), NOW);
    assert_eq!(v(&sign(r#"{"alg":"RS256","kid":"r1"}"#, &p)), Ok(()));
    assert_eq!(v(&sign(r#"{"alg":"EdDSA","kid":"e1"}"#, &p)), Ok(()));
    // Without a kid: exactly one key of the algorithm fits (the EC key does not count).
    assert_eq!(v(&sign(r#"{"alg":"RS256"}"#, &p)), Ok(()));
    assert_eq!(v(&sign(r#"{"alg":"EdDSA"}"#, &p)), Ok(()));
    // Another type's kid is no key for this algorithm.
    assert_eq!(
        v(&sign(r#"{"alg":"RS256","kid":"k1"}"#, &p)),
        Err(Error::KeyNotFound)
    );
    assert_eq!(
        v(&sign(r#"{"alg":"EdDSA","kid":"r1"}"#, &p)),
        Err(Error::KeyNotFound)
    );
    assert_eq!(
        v(&token(r#"{"alg":"ES256","kid":"e1"}"#, &p)),
        Err(Error::KeyNotFound)
    );
    // An RS256 signature under an EdDSA header (and the reverse) never verifies.
    let rs = sign(r#"{"alg":"RS256","kid":"r1"}"#, &p);
    let (_, rs_sig) = rs.rsplit_once('.').expect("token");
    let relabelled = format!(
        "{}.{}.{rs_sig}",
        b64(br#"{"alg":"EdDSA","kid":"e1"}"#),
        b64(p.as_bytes())
    );
    assert_eq!(v(&relabelled), Err(Error::SignatureInvalid));
    // HS256 MACed with the RSA modulus or the Ed25519 key as the secret: never accepted.
    for secret in [parts.n.clone(), ed.public_key().as_ref().to_vec()] {
        let hs = hs256_token(&secret, r#"{"alg":"HS256","kid":"r1"}"#, &p);
        assert_eq!(v(&hs), Err(Error::AlgNotAllowed));
        let other = [0x42u8; 32];
        let with_secret = Policy::new().hs256(Hs256Secret::new(&other).expect("32"));
        assert_eq!(
            verdict_with(&hs, &set, &with_secret, NOW),
            Err(Error::SignatureInvalid)
        );
    }
    // The allow-list turns them off.
    let es_only = Policy::new().only(&[jwtgate::Algorithm::Es256]);
    assert_eq!(
        verdict_with(
            &sign(r#"{"alg":"RS256","kid":"r1"}"#, &p),
            &set,
            &es_only,
            NOW
        ),
        Err(Error::AlgNotAllowed)
    );
    // The JWK rules hold for the new types.
    for (doc, why) in [
        (rsa_jwk(r#","use":"enc""#), Unusable::NotForSignatures),
        (okp_jwk(r#","key_ops":["sign"]"#), Unusable::NoVerifyOp),
        (rsa_jwk(r#","alg":"ES256""#), Unusable::AlgMismatch),
        (okp_jwk(r#","alg":"RS256""#), Unusable::AlgMismatch),
        (okp_jwk(r#","alg":"Ed25519""#), Unusable::AlgMismatch),
    ] {
        let set = jwks(std::slice::from_ref(&doc));
        let entries = jwk_entries(set.as_bytes()).expect("a JWK Set");
        let verdict = &entries[0].1;
        assert_eq!(verdict.as_ref().err(), Some(&why), "{doc}");
    }
}
