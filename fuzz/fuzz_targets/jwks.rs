//! A JWK Set: `KeySet::<4>::load` and `inspect` on arbitrary bytes.
//!
//! Checks: no panic; a failed load leaves the previously loaded set exactly as it was; load
//! succeeds exactly when the model finds a JWK Set with a usable key, keeping the model's
//! first four usable keys in document order, with the model's skipped/overflow counts;
//! `inspect` lists every entry with the model's usability verdict; key selection by kid
//! and without kid matches the model (one fitting key, else not found or ambiguous).
#![no_main]

use std::sync::OnceLock;

use jwtgate::{Algorithm, Error, KeySet, inspect};
use jwtgate_fuzz::{fixtures, model};
use libfuzzer_sys::fuzz_target;

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
                let expected = jwtgate::Es256Key::from_coordinates(&mk.x, &mk.y).expect("valid");
                assert_eq!(*k.es256_key(), expected);
            }
            // Selection: without kid, exactly one key; with a kid, exactly one of that kid.
            let none = set.select(None, Algorithm::Es256);
            assert_eq!(none.is_ok(), keys.len() == 1);
            for mk in keys {
                if let Some(kid) = &mk.kid {
                    let quoted = serde_json::to_string(kid).expect("string");
                    let v = jwtgate::json::parse(quoted.as_bytes(), 0).expect("quoted kid");
                    let sel = set.select(v.as_str(), Algorithm::Es256);
                    let n = keys.iter().filter(|k| k.kid.as_ref() == Some(kid)).count();
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

    match (inspect(data), model::jwks_entries(data)) {
        (Ok(entries), Some(m)) => {
            let mut n = 0;
            for ((_, verdict), me) in entries.zip(&m) {
                assert_eq!(verdict.is_ok(), model::jwk(me).is_ok(), "entry {n}");
                n += 1;
            }
            assert_eq!(n, m.len());
        }
        (Err(e), None) => assert_eq!(e, Error::JwksInvalid),
        (got, want) => panic!(
            "inspect: jwtgate ok={}, model ok={}",
            got.is_ok(),
            want.is_some()
        ),
    }
});
