//! Keeps the footprint figures the README states honest (64-bit host sizes).

use jwtgate::{Algorithm, JwksCache, Key, KeySet};

/// README: "a key slot is 144 bytes (1,136 with the `rs256` feature, which holds a 4096-bit
/// modulus and its Montgomery constant), plus its table; KeySet<N> is at most 40 + slot·N;
/// JwksCache<N> adds at most 232".
#[test]
fn static_sizes_match_the_readme() {
    let slot = if Algorithm::Rs256.is_built_in() {
        1136
    } else {
        144
    };
    println!("Key is {} bytes", size_of::<Key>());
    assert!(
        size_of::<Key>() <= slot,
        "Key is {} bytes",
        size_of::<Key>()
    );
    for (n, set, cache) in [
        (1, size_of::<KeySet<1>>(), size_of::<JwksCache<1>>()),
        (4, size_of::<KeySet<4>>(), size_of::<JwksCache<4>>()),
        (32, size_of::<KeySet<32>>(), size_of::<JwksCache<32>>()),
    ] {
        assert!(set <= 40 + slot * n, "KeySet<{n}> is {set} bytes");
        assert!(cache <= set + 232, "JwksCache<{n}> is {cache} bytes");
    }
}
