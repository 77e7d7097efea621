//! Keeps the footprint figures the README states honest (64-bit host sizes).

use jwtgate::{JwksCache, Key, KeySet};

/// README: "a key slot is 160 bytes (plus its table); KeySet<N> is at most 40 + 160·N;
/// JwksCache<N> adds at most 232".
#[test]
fn static_sizes_match_the_readme() {
    assert!(size_of::<Key>() <= 160, "Key is {} bytes", size_of::<Key>());
    for (n, set, cache) in [
        (1, size_of::<KeySet<1>>(), size_of::<JwksCache<1>>()),
        (4, size_of::<KeySet<4>>(), size_of::<JwksCache<4>>()),
        (32, size_of::<KeySet<32>>(), size_of::<JwksCache<32>>()),
    ] {
        assert!(set <= 40 + 160 * n, "KeySet<{n}> is {set} bytes");
        assert!(cache <= set + 232, "JwksCache<{n}> is {cache} bytes");
    }
}
