//! The benchmark's fixture: a 1,166-byte Supabase-shaped ES256 token signed with a fixed key.

use base64ct::{Base64UrlUnpadded, Encoding};
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};

/// The token's total length, as measured on a real Supabase project's access token.
pub const TOKEN_LEN: usize = 1166;
/// The issuer of the fixture (`{SUPABASE_URL}/auth/v1`).
pub const ISS: &str = "https://bxqmvwgzhkptjcrnaydl.supabase.co/auth/v1";
/// Supabase's audience for signed-in users.
pub const AUD: &str = "authenticated";
/// The fixture's `exp` (2096): jsonwebtoken and jwt-simple read the system clock.
pub const EXP: u64 = 4_000_000_000;
/// The time jwtgate is told it is.
pub const NOW: u64 = 1_760_000_000;
/// The key id.
pub const KID: &str = "6f1c2a9e-3b7d-4c5e-9a81-2d4f6b8c0e13";

/// Everything a verifier needs.
pub struct Fixture {
    /// The compact token.
    pub token: String,
    /// `header.payload`, the signed bytes.
    pub signing_input: Vec<u8>,
    /// Raw `r || s`.
    pub signature: [u8; 64],
    /// The public key, SEC1 uncompressed (65 bytes).
    pub sec1: Vec<u8>,
    /// The public key's `x` and `y`, base64url.
    pub x: String,
    /// See `x`.
    pub y: String,
    /// A JWK Set holding the key.
    pub jwks: String,
    /// The p256 public key.
    pub verifying_key: p256::ecdsa::VerifyingKey,
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

fn payload(filler: usize) -> String {
    let pad = "x".repeat(filler);
    format!(
        concat!(
            r#"{{"iss":"{iss}","sub":"8d3f5e2a-1c4b-4e7f-9a6d-0b2c3e4f5a6b","aud":"authenticated","#,
            r#""exp":{exp},"iat":{iat},"email":"ada.lovelace@example.com","#,
            r#""app_metadata":{{"provider":"email","providers":["email","google"]}},"#,
            r#""user_metadata":{{"avatar_url":"https://lh3.googleusercontent.com/a/ACg8ocJ-Qm3v{pad}","#,
            r#""email":"ada.lovelace@example.com","email_verified":true,"full_name":"Ada Lovelace","#,
            r#""iss":"https://accounts.google.com","name":"Ada Lovelace","phone_verified":false,"#,
            r#""provider_id":"108234567890123456789","sub":"108234567890123456789"}},"#,
            r#""role":"authenticated","aal":"aal1","amr":[{{"method":"oauth","timestamp":1759996400}}],"#,
            r#""session_id":"c4a7e2f1-9b3d-4f6a-8e1c-5d2b7a9f0e34","is_anonymous":false}}"#
        ),
        iss = ISS,
        exp = EXP,
        iat = 1_759_996_400u64,
        pad = pad,
    )
}

/// Mints the fixture: padding in `user_metadata.avatar_url` makes the token exactly
/// [`TOKEN_LEN`] bytes.
pub fn fixture() -> Fixture {
    let mut scalar = [0u8; 32];
    for (i, b) in scalar.iter_mut().enumerate() {
        *b = u8::try_from(i)
            .unwrap_or(0)
            .wrapping_mul(37)
            .wrapping_add(11);
    }
    let key = SigningKey::from_bytes(&scalar.into()).expect("fixed scalar is a valid key");
    let header = b64(format!(r#"{{"alg":"ES256","kid":"{KID}","typ":"JWT"}}"#).as_bytes());
    let (signing_input, token, signature) = (0..200)
        .find_map(|filler| {
            let input = format!("{header}.{}", b64(payload(filler).as_bytes()));
            let sig: Signature = key.sign(input.as_bytes());
            let token = format!("{input}.{}", b64(&sig.to_bytes()));
            (token.len() == TOKEN_LEN).then_some((input, token, sig))
        })
        .expect("some padding gives the exact length");
    let point = key.verifying_key().to_encoded_point(false);
    let x = b64(point.x().expect("x"));
    let y = b64(point.y().expect("y"));
    let jwks = format!(
        r#"{{"keys":[{{"kty":"EC","crv":"P-256","alg":"ES256","use":"sig","kid":"{KID}","x":"{x}","y":"{y}"}}]}}"#
    );
    Fixture {
        token,
        signing_input: signing_input.into_bytes(),
        signature: signature.to_bytes().into(),
        sec1: point.as_bytes().to_vec(),
        x,
        y,
        jwks,
        verifying_key: *key.verifying_key(),
    }
}

/// The JOSE header limit (`core/src/token.rs`): an attacker's header is at most this long.
pub const HEADER_MAX_LEN: usize = 2048;
/// Members allowed in any one object of a JOSE header (`core/src/token.rs`).
pub const HEADER_MAX_MEMBERS: usize = 64;

/// The two bits the pre-issue-11 duplicate check's Bloom filter took from a member name:
/// FNV-1a 64 over its decoded text.
pub fn old_bloom_bits(decoded: &str) -> (u64, u64) {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for b in decoded.bytes() {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    (hash & 127, (hash >> 7) & 127)
}

/// Letters for names.
const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
/// The characters JSON can write as two-byte escapes, and those escapes.
const SHORT_ESCAPES: [(char, &str); 8] = [
    ('"', r#"\""#),
    ('\\', r"\\"),
    ('/', r"\/"),
    ('\u{8}', r"\b"),
    ('\u{c}', r"\f"),
    ('\n', r"\n"),
    ('\r', r"\r"),
    ('\t', r"\t"),
];

/// `count` distinct names, `prefix` followed by `len` characters of `alphabet`, that all set
/// the same two bits of the old Bloom filter: each makes the old check rescan every earlier
/// member.
pub fn colliding_names(prefix: &str, alphabet: &[char], len: u32, count: usize) -> Vec<String> {
    let base = alphabet.len();
    let name = |i: usize| {
        let mut s = prefix.to_owned();
        s.extend((0..len).map(|k| alphabet[i / base.pow(k) % base]));
        s
    };
    let target = old_bloom_bits(&name(0));
    (0..base.pow(len))
        .map(name)
        .filter(|s| old_bloom_bits(s) == target)
        .take(count)
        .collect()
}

/// `decoded` spelled with `\u00XX` escapes at every position where `escape(position)` holds
/// (ASCII only), so equal names need not share their raw text.
pub fn spelled(decoded: &str, escape: impl Fn(usize) -> bool) -> String {
    decoded
        .chars()
        .enumerate()
        .map(|(i, c)| {
            if escape(i) {
                format!("\\u{:04x}", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `decoded`, made only of [`SHORT_ESCAPES`] characters, written with those escapes: the most
/// escapes per byte JSON allows.
pub fn short_escaped(decoded: &str) -> String {
    decoded
        .chars()
        .map(|c| {
            SHORT_ESCAPES
                .iter()
                .find(|(d, _)| *d == c)
                .map(|(_, e)| *e)
                .expect("an escapable character")
        })
        .collect()
}

/// Headers an attacker might send to make the header JSON as slow as possible, each at most
/// [`HEADER_MAX_LEN`] bytes with at most [`HEADER_MAX_MEMBERS`] members per object, each
/// accepted by jwtgate (valid `alg`, the fixture's `kid`, no duplicates), so that a forged
/// token carrying one also pays for the signature check. Names collide in the old Bloom
/// filter (every one made the old check rescan the object), are escaped so they compare only
/// by decoded text, share decoded prefixes spelled differently, pack the most escapes per
/// byte, or the most names per header (four levels of up to 61).
pub fn crafted_headers() -> Vec<(&'static str, String)> {
    let letters: Vec<char> = LETTERS.chars().collect();
    let escapable: Vec<char> = SHORT_ESCAPES.iter().map(|(c, _)| *c).collect();
    let fixed = format!(r#"{{"alg":"ES256","kid":"{KID}""#);
    // One object: as many of these members as fit.
    let flat = |names: Vec<String>| {
        let mut header = fixed.clone();
        for name in names {
            let member = format!(r#","{name}":0"#);
            if header.len() + member.len() + 1 > HEADER_MAX_LEN {
                break;
            }
            header.push_str(&member);
        }
        header.push('}');
        header
    };
    let colliding = |prefix: &str, spell: &dyn Fn(usize, &str) -> String| {
        let names = colliding_names(prefix, &letters, 4, HEADER_MAX_MEMBERS - 2);
        flat(names.iter().enumerate().map(|(n, s)| spell(n, s)).collect())
    };
    // Four levels of objects (the header's depth limit), as many names (`k` of them, spelled
    // by `level`) in each as fit.
    let nested = |level: &dyn Fn(usize) -> Vec<String>| {
        (1..=HEADER_MAX_MEMBERS - 3)
            .rev()
            .map(|k| {
                let members: String = level(k).iter().map(|n| format!(r#""{n}":0,"#)).collect();
                format!(
                    r#"{fixed},{members}"n":{{{members}"n":{{{members}"n":{{{members}"z":0}}}}}}}}"#
                )
            })
            .find(|header| header.len() <= HEADER_MAX_LEN)
            .expect("one name per level fits")
    };
    vec![
        ("all escaped", colliding("", &|_, s| spelled(s, |_| true))),
        (
            "prefix 4, alternating",
            colliding("aaaa", &|n, s| spelled(s, |i| (n + i) % 2 == 0)),
        ),
        (
            "prefix 8, escaped",
            colliding("abcdabcd", &|_, s| spelled(s, |i| i < 8)),
        ),
        (
            "prefix 16, plain",
            colliding("abcdefghijklmnop", &|_, s| s.to_owned()),
        ),
        (
            "two-byte escapes",
            flat(
                colliding_names("//////", &escapable, 7, HEADER_MAX_MEMBERS - 2)
                    .iter()
                    .map(|s| short_escaped(s))
                    .collect(),
            ),
        ),
        (
            "nested 4 levels, escaped",
            nested(&|k| {
                colliding_names("", &letters, 4, k)
                    .iter()
                    .map(|s| spelled(s, |_| true))
                    .collect()
            }),
        ),
        (
            "nested 4 levels, short names",
            // Too short to collide, but the most names: what costs the new check most.
            nested(&|k| {
                (0..k)
                    .map(|i| [letters[i / 64], letters[i % 64]].iter().collect())
                    .collect()
            }),
        ),
    ]
}
