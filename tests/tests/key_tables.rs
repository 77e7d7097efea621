//! Per-key tables across reloads: a key already held keeps its table (wherever it moves in
//! the set); only a key never seen pays for a build, and every key verifies with its own
//! table afterwards.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::cell::Cell;
use std::rc::Rc;

use jwtgate::{Boxed, KeySet, Policy, SmallTable, TablePtr};
use jwtgate_tests::{es256_token, jwk, jwks, signing_key};
use p256::ecdsa::SigningKey;

const NOW: u64 = 1_700_000_000;

thread_local! {
    /// Table builds on this test's thread.
    static BUILDS: Cell<usize> = const { Cell::new(0) };
}

/// A pointer to a [`SmallTable`] that counts the tables it is given: the core builds each
/// table right after it is wrapped, so this counts builds.
#[derive(Clone)]
struct CountingPtr(Rc<SmallTable>);

impl TablePtr for CountingPtr {
    type Table = SmallTable;
    fn new(table: SmallTable) -> Self {
        BUILDS.with(|b| b.set(b.get() + 1));
        CountingPtr(Rc::new(table))
    }
    fn get(&self) -> &SmallTable {
        &self.0
    }
    fn get_mut(&mut self) -> Option<&mut SmallTable> {
        Rc::get_mut(&mut self.0)
    }
}

/// Small tables whose builds are counted.
type Counting = Boxed<CountingPtr>;

/// Signing keys with their `kid`s, in set order.
type Members<'a> = &'a [(&'a SigningKey, &'a str)];

fn builds() -> usize {
    BUILDS.with(Cell::get)
}

/// Loads the set of `members` and returns the builds it took.
fn load(keys: &mut KeySet<4, Counting>, members: Members<'_>) -> usize {
    let document = jwks(
        &members
            .iter()
            .map(|(k, kid)| jwk(k, &format!(r#""kid":"{kid}""#)))
            .collect::<Vec<_>>(),
    );
    let before = builds();
    keys.load(document.as_bytes()).unwrap();
    builds() - before
}

/// Every held key has its own table and verifies a token it signed.
fn assert_all_verify(keys: &KeySet<4, Counting>, members: Members<'_>) {
    for (signer, kid) in members {
        let quoted = format!("\"{kid}\"");
        let kid_json = jwtgate::__testing::parse(quoted.as_bytes(), 0).unwrap();
        let slot = keys
            .select(kid_json.as_str(), jwtgate::Algorithm::Es256)
            .unwrap();
        assert!(slot.__has_own_table(), "{kid} lost its table");
        let token = es256_token(
            signer,
            &format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#),
            &format!(r#"{{"exp":{}}}"#, NOW + 60),
        );
        let mut buf = [0u8; 512];
        jwtgate::verify(token.as_bytes(), &mut buf, keys, &Policy::new(), NOW).unwrap();
    }
}

#[test]
fn held_keys_keep_their_tables_across_reloads() {
    let (a, b, c, d) = (
        signing_key(1),
        signing_key(2),
        signing_key(3),
        signing_key(4),
    );
    let mut keys = KeySet::<4, Counting>::new();

    let steps: &[(Members<'_>, usize, &str)] = &[
        (&[(&a, "a"), (&b, "b")], 2, "a cold load builds every key"),
        (
            &[(&a, "a"), (&b, "b")],
            0,
            "the same set again builds nothing",
        ),
        (
            &[(&b, "b"), (&a, "a")],
            0,
            "reordered keys keep their tables",
        ),
        // Rotation as issuers do it: the new key first, the oldest one gone.
        (
            &[(&c, "c"), (&b, "b")],
            1,
            "a new key in front builds only itself",
        ),
        (&[(&d, "d"), (&c, "c"), (&b, "b")], 1, "and again"),
        (&[(&b, "b")], 0, "a shrinking set builds nothing"),
    ];
    for (members, expected, why) in steps {
        assert_eq!(load(&mut keys, members), *expected, "{why}");
        assert_all_verify(&keys, members);
    }
}
