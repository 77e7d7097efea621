//! A JWK Set: `KeySet::<4>::load` and `inspect` on arbitrary bytes.
//!
//! Checks: no panic; a failed load leaves the previously loaded set exactly as it was; load
//! succeeds exactly when the model finds a well-formed JWK Set (an object whose `keys` is an
//! array of objects; one with no usable key empties the set), keeping the model's first four
//! usable keys in document order, with the model's skipped/overflow counts;
//! `inspect::<4>` and `inspect::<1>` list every entry with the model's verdict for a set of
//! that capacity (unusable; usable but over capacity; held but its kid shared with another
//! held key; usable) and the entry's `kid`, `kty`, `crv` and `alg` strings; key selection by
//! kid and without kid matches the model (one fitting key, else not found or ambiguous).
#![no_main]

use std::sync::OnceLock;

use jwtgate::__testing::parse;
use jwtgate::{Algorithm, Error, JsonStr, KeySet, Verdict, inspect};
use jwtgate_fuzz::fixtures;
use jwtgate_fuzz::model::{self, J};
use libfuzzer_sys::fuzz_target;

/// The verdict the model reaches for each entry of a JWK Set loaded into `n` slots.
fn model_verdicts(entries: &[J], held: &[model::MKey], n: usize) -> Vec<Option<Verdict>> {
    let mut usable = 0;
    entries
        .iter()
        .map(|e| {
            let Ok(key) = model::jwk(e) else {
                return None; // unusable, for whatever reason
            };
            usable += 1;
            let sharing = held
                .iter()
                .filter(|k| k.kid == key.kid && k.alg() == key.alg())
                .count();
            Some(if usable > n {
                Verdict::OverCapacity
            } else if key.kid.is_some() && sharing > 1 {
                Verdict::AmbiguousKid
            } else {
                Verdict::Usable
            })
        })
        .collect()
}

/// A member of a JWK Set entry, as `inspect` reports it: its string, if it is one.
fn text_member<'e>(entry: &'e J, name: &str) -> Option<&'e str> {
    entry.get(name).and_then(J::str)
}

fn same_text(got: Option<JsonStr<'_>>, want: Option<&str>, what: &str) {
    assert_eq!(got.map(|s| s.to_string()).as_deref(), want, "{what}");
    if let (Some(g), Some(w)) = (got, want) {
        assert!(g.eq_str(w), "{what}");
    }
}

/// `inspect::<N>` against the model.
fn check_inspect<const N: usize>(data: &[u8]) {
    match (inspect::<N>(data), model::jwks_entries(data)) {
        (Ok(reports), Some(entries)) => {
            let held = model::jwks_load(data, N).map_or(Vec::new(), |(keys, _, _)| keys);
            let want = model_verdicts(&entries, &held, N);
            let mut n = 0;
            for ((report, entry), verdict) in reports.zip(&entries).zip(&want) {
                match verdict {
                    Some(v) => assert_eq!(report.verdict, *v, "inspect::<{N}> entry {n}"),
                    None => assert!(
                        matches!(report.verdict, Verdict::Unusable(_)),
                        "inspect::<{N}> entry {n}: {:?} for an unusable key",
                        report.verdict
                    ),
                }
                same_text(report.kid, text_member(entry, "kid"), "kid");
                assert_eq!(
                    report.kid_is_string,
                    entry.get("kid").is_none_or(|k| matches!(k, J::Str(..))),
                    "kid_is_string of entry {n}"
                );
                same_text(report.kty, text_member(entry, "kty"), "kty");
                same_text(report.crv, text_member(entry, "crv"), "crv");
                same_text(report.alg, text_member(entry, "alg"), "alg");
                n += 1;
            }
            assert_eq!(n, entries.len());
        }
        (Err(e), None) => assert_eq!(e, Error::JwksInvalid),
        (got, want) => panic!(
            "inspect::<{N}>: jwtgate ok={}, model ok={}",
            got.is_ok(),
            want.is_some()
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    static BASE: OnceLock<KeySet<4>> = OnceLock::new();
    let mut set = BASE
        .get_or_init(|| {
            let mut set = KeySet::<4>::new();
            set.load(fixtures::jwks_multi().as_bytes())
                .expect("fixture loads");
            set
        })
        .clone();
    let before = set.clone();

    let got = set.load(data);
    let want = model::jwks_load(data, 4);
    match (&got, &want) {
        (Ok(report), Some((keys, skipped, overflow))) => {
            assert_eq!(report.loaded, keys.len());
            assert_eq!(set.keys().len(), keys.len());
            assert_eq!((report.skipped, report.overflow), (*skipped, *overflow));
            for (k, mk) in set.keys().iter().zip(keys) {
                assert_eq!(k.kid(), mk.kid.as_deref());
                assert_eq!(k.alg().name(), mk.alg());
                if let model::MKind::Ec { x, y, .. } = &mk.kind {
                    let expected = jwtgate::Es256Key::from_coordinates(x, y).expect("valid");
                    assert_eq!(k.es256_key(), Some(&expected));
                }
            }
            // Selection: without kid, exactly one key; with a kid, exactly one of that kid.
            // (per algorithm: a key is selected only for its own type's algorithm).
            for alg in [Algorithm::Es256, Algorithm::EdDsa, Algorithm::Rs256] {
                let of_alg = keys.iter().filter(|k| k.alg() == alg.name()).count();
                assert_eq!(set.select(None, alg).is_ok(), of_alg == 1, "{alg:?}");
            }
            for mk in keys {
                if let Some(kid) = &mk.kid {
                    let quoted = serde_json::to_string(kid).expect("string");
                    let v = parse(quoted.as_bytes(), 0).expect("quoted kid");
                    let alg = Algorithm::ALL
                        .into_iter()
                        .find(|a| a.name() == mk.alg())
                        .expect("an alg");
                    let sel = set.select(v.as_str(), alg);
                    let n = keys
                        .iter()
                        .filter(|k| k.kid.as_ref() == Some(kid) && k.alg() == mk.alg())
                        .count();
                    assert_eq!(sel.is_ok(), n == 1, "kid {kid:?}");
                    if let Ok(k) = sel {
                        assert_eq!(k.kid(), Some(kid.as_str()));
                    }
                }
            }
            // Loading the same document again gives the same set.
            let mut again = KeySet::<4>::new();
            again.load(data).expect("loads twice");
            assert_eq!(again.keys(), set.keys());
        }
        (Err(e), None) => {
            assert_eq!(*e, Error::JwksInvalid);
            assert_eq!(
                set.keys(),
                before.keys(),
                "a failed load changed the held keys"
            );
        }
        _ => panic!(
            "jwtgate {got:?}, model {}",
            if want.is_some() { "loads" } else { "refuses" }
        ),
    }

    check_inspect::<4>(data);
    check_inspect::<1>(data);
});
