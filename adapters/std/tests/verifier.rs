//! The `Verifier` against the development issuer over real HTTP on 127.0.0.1: new keys'
//! tables are built off the state lock, so requests are served while a set loads.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jwtgate_std::dev_issuer::DevIssuer;
use jwtgate_std::{Verifier, VerifierConfig};

#[tokio::test(flavor = "multi_thread")]
async fn tables_are_built_without_holding_the_state_lock() {
    let issuer = DevIssuer::start().unwrap();
    // Four keys in the set, so a cold load builds four tables.
    for _ in 0..3 {
        issuer.rotate(true);
    }
    assert_eq!(issuer.kids().len(), 4);
    let verifier = Verifier::new(VerifierConfig::supabase(issuer.base_url())).unwrap();
    // Every table build records whether the lock was free at that moment.
    let seen: Arc<Mutex<Vec<bool>>> = Arc::default();
    let (probe, record) = (verifier.clone(), Arc::clone(&seen));
    jwtgate_std::__hooks::set_on_table_build(move || {
        record.lock().unwrap().push(probe.__state_lock_is_free());
    });
    let token = issuer.mint(Duration::from_secs(3600));
    let mut buf = vec![0u8; token.len()];
    verifier.verify(token.as_bytes(), &mut buf).await.unwrap();
    let builds = seen.lock().unwrap().clone();
    assert_eq!(builds.len(), 4, "one build per new key");
    assert!(
        builds.iter().all(|free| *free),
        "a table was built under the lock: {builds:?}"
    );
    // A rotation to two keys never seen, picked up through the unknown kid: two more
    // builds, off the lock too.
    issuer.rotate(false);
    issuer.rotate(true);
    let rotated = issuer.mint(Duration::from_secs(3600));
    let mut buf = vec![0u8; rotated.len()];
    verifier.verify(rotated.as_bytes(), &mut buf).await.unwrap();
    let builds = seen.lock().unwrap().clone();
    assert_eq!(builds.len(), 6, "{builds:?}");
    assert!(builds.iter().all(|free| *free), "{builds:?}");
}
