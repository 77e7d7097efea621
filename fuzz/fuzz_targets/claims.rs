//! Header and claims JSON: arbitrary JSON as a JOSE header (through `UntrustedToken::parse`)
//! and as a claims set (through `Claims::parse` and `Policy::check`) with arbitrary time,
//! leeway, issuer, audience and depth limit.
//!
//! Checks: no panic; the header verdict (error kind, alg, kid) equals the model's; the claims
//! verdict equals the model's exact check (no rounding: `now < exp + leeway`,
//! `nbf <= now + leeway` over the reals) whenever `now` and `leeway` are below 2^62 (beyond
//! that jwtgate's i64 NumericDates saturate by design); the typed accessors agree with the
//! JSON; `check` never errs for claims the model accepts and vice versa.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use jwtgate::{Audience, Claims, Error, UntrustedToken};
use jwtgate_fuzz::fixtures::{NOW, b64};
use jwtgate_fuzz::model::{self, J, MPolicy};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Knobs {
    now: Now,
    leeway: Leeway,
    iss: Option<Pick>,
    aud: Option<Pick>,
    depth: u8,
}

#[derive(Arbitrary, Debug)]
enum Now {
    Fixed,
    Near(i32),
    Any(u64),
}

#[derive(Arbitrary, Debug)]
enum Leeway {
    Zero,
    Small(u16),
    Any(u64),
}

#[derive(Arbitrary, Debug)]
enum Pick {
    Joe,
    Aud1,
    Empty,
    Unicode,
}

impl Pick {
    fn text(&self) -> &'static str {
        match self {
            Pick::Joe => "joe",
            Pick::Aud1 => "aud1",
            Pick::Empty => "",
            Pick::Unicode => "é😀",
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // The document, then optionally a NUL byte and the knobs (so seed corpora are plain
    // JSON, and a NUL, never valid inside JSON, separates them).
    let (doc, knobs) = match data.iter().rposition(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(knobs) = Knobs::arbitrary(&mut Unstructured::new(knobs)) else {
        return;
    };
    let now = match knobs.now {
        Now::Fixed => NOW,
        Now::Near(d) => NOW.saturating_add_signed(i64::from(d)),
        Now::Any(t) => t,
    };
    let leeway = match knobs.leeway {
        Leeway::Zero => 0,
        Leeway::Small(l) => u64::from(l),
        Leeway::Any(l) => l,
    };
    let mp = MPolicy {
        iss: knobs.iss.as_ref().map(|p| p.text().to_owned()),
        aud: knobs.aud.as_ref().map(|p| p.text().to_owned()),
        leeway,
        es256: true,
        hs256: None,
        max_depth: knobs.depth,
    };
    let policy = mp.to_policy();

    // As a header.
    let token = format!("{}.{}.", b64(doc), b64(b"{}"));
    let mut buf = [0u8; 4096];
    let got = UntrustedToken::parse(token.as_bytes(), &mut buf);
    let want = model::parse_token(token.as_bytes(), 4096);
    match (&got, &want) {
        (Ok(t), Ok((h, _, _))) => {
            assert_eq!(t.alg().name(), h.alg);
            assert_eq!(t.kid().map(|k| k.chars().collect::<String>()), h.kid);
        }
        (Err(e), Err(w)) => assert_eq!(e, w, "header"),
        _ => panic!("header: jwtgate {got:?}, model {want:?}"),
    }

    // As a claims set.
    let got = Claims::parse(doc, knobs.depth);
    let parsed = model::parse(doc, knobs.depth);
    let want_types = match &parsed {
        Ok(j) => model::claim_types(j),
        Err(_) => Err(Error::TokenMalformed),
    };
    match (&got, &want_types) {
        (Ok(c), Ok(())) => {
            let j = parsed.as_ref().expect("parsed");
            accessors(c, j);
            let checked = policy.check(c, now);
            let exact = model::check_claims(j, &mp, now);
            if now < 1 << 62 && leeway < 1 << 62 {
                assert_eq!(checked, exact, "policy check at now={now} leeway={leeway}");
            } else if let Err(e) = checked {
                assert!(matches!(
                    e,
                    Error::TokenExpired | Error::TokenNotYetValid | Error::ClaimInvalid
                ));
            }
        }
        (Err(e), Err(w)) => assert_eq!(e, w, "claims parse"),
        _ => panic!(
            "claims: jwtgate {:?}, model {want_types:?}",
            got.as_ref().map(|_| ())
        ),
    }
});

fn accessors(c: &Claims<'_>, j: &J) {
    let s = |o: Option<jwtgate::JsonStr<'_>>| o.map(|s| s.chars().collect::<String>());
    assert_eq!(s(c.iss()), j.get("iss").and_then(J::str).map(str::to_owned));
    assert_eq!(s(c.sub()), j.get("sub").and_then(J::str).map(str::to_owned));
    assert_eq!(s(c.jti()), j.get("jti").and_then(J::str).map(str::to_owned));
    assert_eq!(c.raw().len() > 0, true);
    assert!(c.object().members().count() > 0 || c.object().is_empty());
    for (name, date) in [("exp", Some(c.exp())), ("nbf", c.nbf()), ("iat", c.iat())] {
        match (date, j.get(name)) {
            (Some(d), Some(J::Num(t))) => {
                let d = i128::from(d);
                if d < i128::from(i64::MAX) {
                    assert_ne!(model::cmp_num(t, d), std::cmp::Ordering::Greater, "{name}");
                }
                if d > i128::from(i64::MIN) {
                    assert_eq!(
                        model::cmp_num(t, d - 1),
                        std::cmp::Ordering::Greater,
                        "{name}"
                    );
                }
            }
            (None, None) => {}
            (d, m) => panic!("{name}: jwtgate {d:?}, model {m:?}"),
        }
    }
    match (c.aud(), j.get("aud")) {
        (None, None) => {}
        (Some(Audience::One(a)), Some(J::Str(m, ..))) => assert!(a.eq_str(m)),
        (Some(Audience::Many(a)), Some(J::Arr(items))) => {
            assert_eq!(a.iter().count(), items.len());
            for item in items {
                assert!(Audience::Many(a).contains(item.str().expect("string")));
            }
        }
        (a, m) => panic!("aud: jwtgate {a:?}, model {m:?}"),
    }
    let _ = c.supabase();
}
