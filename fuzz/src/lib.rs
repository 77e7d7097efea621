//! Shared pieces of jwtgate's fuzz targets: fixed keys and tokens ([`fixtures`]), an
//! independent model of DESIGN.md's verification semantics ([`model`]) and structured token
//! inputs ([`spec`]). See README.md for what each target checks.

pub mod fixtures;
pub mod model;
pub mod spec;

use jwtgate::{KeySet, LargeTable, SmallTable};

use crate::model::{MKey, MPolicy};

/// The decode buffer of the verify-path targets: bounds the decoded header + payload.
pub const BUF: usize = 2048;

/// The fixed key sets, loaded into jwtgate (without tables, with `SmallTable` and with
/// `LargeTable` precomputation: three ES256 verification paths) and into the model.
pub struct Sets {
    pub multi: KeySet<4>,
    pub multi_small: Box<KeySet<4, SmallTable>>,
    pub multi_large: Box<KeySet<4, LargeTable>>,
    pub multi_model: Vec<MKey>,
    pub single: KeySet<4>,
    pub single_model: Vec<MKey>,
}

impl Sets {
    pub fn new() -> Sets {
        let load = |doc: String| {
            let mut set = KeySet::<4>::new();
            set.load(doc.as_bytes()).expect("fixture set loads");
            let (model, _, _) = model::jwks_load(doc.as_bytes(), 4).expect("model loads it");
            assert_eq!(set.keys().len(), model.len());
            (set, model)
        };
        let (multi, multi_model) = load(fixtures::jwks_multi());
        let (single, single_model) = load(fixtures::jwks_single());
        // Each set holds RFC 7517's RSA key besides its EC keys.
        assert_eq!(multi_model.len(), 3);
        assert_eq!(single_model.len(), 2);
        let mut multi_small = Box::new(KeySet::<4, SmallTable>::new());
        multi_small
            .load(fixtures::jwks_multi().as_bytes())
            .expect("fixture set loads");
        let mut multi_large = Box::new(KeySet::<4, LargeTable>::new());
        multi_large
            .load(fixtures::jwks_multi().as_bytes())
            .expect("fixture set loads");
        Sets {
            multi,
            multi_small,
            multi_large,
            multi_model,
            single,
            single_model,
        }
    }
}

impl Default for Sets {
    fn default() -> Self {
        Self::new()
    }
}

/// The fixed policies: ES256 only and nothing else; issuer "joe" with HS256 and 30 s of
/// leeway; audience "aud1" with a JSON depth limit of 3.
pub fn policies() -> [MPolicy; 3] {
    [
        MPolicy {
            es256: true,
            max_depth: 16,
            ..MPolicy::default()
        },
        MPolicy {
            iss: Some("joe".into()),
            leeway: 30,
            es256: true,
            hs256: Some(fixtures::hs256_secret()),
            max_depth: 16,
            ..MPolicy::default()
        },
        MPolicy {
            aud: Some("aud1".into()),
            es256: true,
            max_depth: 3,
            ..MPolicy::default()
        },
    ]
}

/// Whether `JWTGATE_FUZZ_DEBUG` is set: targets then print their verdicts (for checking by
/// hand that a seed reaches the path it should, e.g. that a valid token is accepted).
pub fn debug() -> bool {
    static DEBUG: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *DEBUG.get_or_init(|| std::env::var_os("JWTGATE_FUZZ_DEBUG").is_some())
}
