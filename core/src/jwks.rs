//! JWK Set (RFC 7517 §5) parsing into a fixed-capacity key set.

use core::ops::Deref;

use sha2::{Digest as _, Sha256};

use crate::Error;
use crate::alg::Algorithm;
use crate::error::Unusable;
use crate::es256::{KeyTable, NoTable, TableRef};
use crate::json::{self, JsonStr, Value};
use crate::jwk::{Key, Material, parse_jwk};

/// Nesting allowed in a JWK Set document (`{"keys":[{"key_ops":[..]}]}` needs 3).
const JWKS_MAX_DEPTH: u8 = 16;

/// What loading a JWK Set found, for metrics and warnings. `non_exhaustive`: a later release
/// may count more.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct LoadReport {
    /// Usable keys now held.
    pub loaded: usize,
    /// Keys skipped as unusable or unsupported.
    pub skipped: usize,
    /// Usable keys dropped because the set holds at most `N`.
    pub overflow: usize,
}

/// Up to `N` usable verification keys, loaded from a JWK Set, each with its precomputed
/// verification table of type `T` ([`NoTable`] by default; [`SmallTable`](crate::SmallTable)
/// or [`LargeTable`](crate::LargeTable) for faster ES256).
///
/// Lives wherever the caller puts it (stack, `static`, inside a cache); loading replaces the
/// keys in place and only once the new set is known to be good. Tables are fixed arrays inside
/// the set, built in place when a key enters it (never on the verify path); a key that stays
/// across a reload keeps its table. With a table, a set is large (`N * T::BYTES`): put it in a
/// `static` or a `Box`, not on a small stack.
#[derive(Clone, Debug)]
pub struct KeySet<const N: usize, T: KeyTable = NoTable> {
    keys: heapless::Vec<Key, N>,
    /// `tables[i]` belongs to `keys[i]`; entries past the keys are spare (reused on reload).
    tables: [T; N],
    fingerprint: [u8; 32],
}

impl<const N: usize, T: KeyTable> Default for KeySet<N, T> {
    fn default() -> Self {
        Self::new()
    }
}

/// SHA-256 of nothing: the fingerprint of an empty set.
const EMPTY_FINGERPRINT: [u8; 32] = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

impl<const N: usize, T: KeyTable> KeySet<N, T> {
    /// An empty set.
    pub const fn new() -> Self {
        KeySet {
            keys: heapless::Vec::new(),
            tables: [const { T::EMPTY }; N],
            fingerprint: EMPTY_FINGERPRINT,
        }
    }

    /// The keys held, in document order.
    pub fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// SHA-256 over the held keys (`kid`, algorithm, point, in order): equal fingerprints mean
    /// the same keys. A verified-token cache keys its validity on it.
    pub fn fingerprint(&self) -> [u8; 32] {
        self.fingerprint
    }

    /// Adds one key (for keys configured in firmware rather than fetched), building its table.
    ///
    /// # Errors
    /// [`Error::JwksInvalid`] when the set already holds `N` keys.
    pub fn push(&mut self, key: Key) -> Result<(), Error> {
        self.keys.push(key).map_err(|_| Error::JwksInvalid)?;
        self.settle();
        Ok(())
    }

    /// Replaces the held keys with the usable keys of a JWK Set document, and builds the
    /// table of every key that was not held before (the slow part, for `LargeTable` about
    /// 1-2 ms per new key on a server).
    ///
    /// Unusable and unsupported keys are skipped, and usable keys past `N` are dropped; both
    /// are counted in the report. A well-formed set is authoritative: one with no usable key
    /// (`{"keys":[]}`, or only key types jwtgate does not verify) empties the set, because
    /// emptying or replacing the set is how an issuer revokes a key. On error the held keys
    /// are left untouched.
    ///
    /// # Errors
    /// [`Error::JwksInvalid`] if the document is not a strict JSON object whose `keys` member
    /// is an array of JSON objects.
    pub fn load(&mut self, document: &[u8]) -> Result<LoadReport, Error> {
        let keys = jwk_entries(document)?;
        self.keys.clear();
        let mut report = LoadReport::default();
        for jwk in keys {
            match parse_jwk(jwk) {
                Ok(key) => match self.keys.push(key) {
                    Ok(()) => report.loaded += 1,
                    Err(_) => report.overflow += 1,
                },
                Err(_) => report.skipped += 1,
            }
        }
        self.settle();
        Ok(report)
    }

    /// Gives every key its table, in place: a table already built for the key (anywhere in
    /// the set, e.g. the same key one slot further after a rotation) is swapped into the
    /// key's slot; only a key never seen pays for a build, and a build never overwrites a
    /// table a later key still needs (it is moved aside first). Then recomputes the
    /// fingerprint.
    fn settle(&mut self) {
        let keys = &self.keys;
        // Only ES256 keys have tables; the other slots' tables stay as they are.
        let needed_after = |i: usize, t: &T| {
            keys.iter()
                .skip(i + 1)
                .filter_map(Key::es256_key)
                .any(|k| t.is_for(k))
        };
        for (i, key) in keys.iter().enumerate() {
            let Some(key) = key.es256_key() else {
                continue;
            };
            let Some(spare) = self.tables.get_mut(i..) else {
                break;
            };
            if let Some(j) = spare.iter().position(|t| t.is_for(key)) {
                spare.swap(0, j);
                continue;
            }
            // Slot `i` is rebuilt: first trade its table, if a later key needs it, for one
            // no later key needs (there always is one: at most `len - i - 1` are needed).
            if spare.first().is_some_and(|t| needed_after(i, t))
                && let Some(j) = spare.iter().position(|t| !needed_after(i, t))
            {
                spare.swap(0, j);
            }
            if let Some(table) = spare.first_mut() {
                table.build(key);
            }
        }
        let mut hash = Sha256::new();
        for key in &self.keys {
            let kid = key.kid().unwrap_or_default();
            hash.update([u8::from(key.kid().is_some())]);
            hash.update(kid.len().to_be_bytes());
            hash.update(kid);
            hash.update(key.alg().name());
            match key.material() {
                Material::Es256(k) => hash.update(k.sec1()),
                #[cfg(feature = "eddsa")]
                Material::Ed25519(k) => hash.update(k.as_bytes()),
                #[cfg(feature = "rs256")]
                Material::Rs256(k) => {
                    hash.update(k.modulus_be(&mut [0; crate::rsa::MAX_SIGNATURE_LEN]));
                }
            }
        }
        self.fingerprint = hash.finalize().into();
    }

    /// Picks the key for a token: with a `kid`, the one usable key of that `kid`; without,
    /// the only usable key for `alg`. The key comes with its table, ready to verify.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`] when no key fits or more than one does (ambiguous).
    pub fn select(&self, kid: Option<JsonStr<'_>>, alg: Algorithm) -> Result<KeyRef<'_>, Error> {
        match self.selection(kid, alg) {
            Selection::One(key, table) => Ok(KeyRef::new(key, table.table_ref(), self.fingerprint)),
            Selection::None | Selection::Ambiguous => Err(Error::KeyNotFound),
        }
    }

    /// Like [`KeySet::select`], but tells "no such key" (worth a refetch) from "ambiguous".
    pub(crate) fn selection(&self, kid: Option<JsonStr<'_>>, alg: Algorithm) -> Selection<'_, T> {
        self.selection_by(alg, |k| kid.is_none_or(|kid| k.matches_kid(kid)))
    }

    fn selection_by(&self, alg: Algorithm, fits: impl Fn(&Key) -> bool) -> Selection<'_, T> {
        let mut fitting = self
            .keys
            .iter()
            .zip(&self.tables)
            .filter(|(k, _)| k.alg() == alg && fits(k));
        match (fitting.next(), fitting.next()) {
            (Some((key, table)), None) => Selection::One(key, table),
            (None, _) => Selection::None,
            (Some(_), Some(_)) => Selection::Ambiguous,
        }
    }
}

/// A key selected from a [`KeySet`], with its precomputed table: what verification needs.
/// It dereferences to the [`Key`].
#[derive(Clone, Copy, Debug)]
pub struct KeyRef<'k> {
    key: &'k Key,
    table: TableRef<'k>,
    /// The fingerprint of the set the key was selected from: a verdict is remembered only
    /// while that set is the one held.
    set: [u8; 32],
}

impl<'k> KeyRef<'k> {
    pub(crate) const fn new(key: &'k Key, table: TableRef<'k>, set: [u8; 32]) -> Self {
        KeyRef { key, table, set }
    }

    /// The fingerprint of the key set the key was selected from.
    pub(crate) const fn set(&self) -> [u8; 32] {
        self.set
    }

    /// The key.
    pub const fn key(&self) -> &'k Key {
        self.key
    }

    /// Whether the key's table was built for it, or the set keeps no tables (jwtgate's own
    /// tests: a key that lost its table would still verify, on the slower table-free path).
    #[cfg(feature = "_test-hooks")]
    #[doc(hidden)]
    pub fn __has_own_table(&self) -> bool {
        self.key.es256_key().is_none_or(|k| self.table.is_for(k))
    }

    /// Checks a signature over `message` with this key (and its table, for ES256): raw
    /// `r || s` for ES256, `R || S` for EdDSA, the modulus's length for RS256.
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] for any failure, with no detail.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), Error> {
        match self.key.material() {
            Material::Es256(key) => self.table.verify(key, message, signature),
            #[cfg(feature = "eddsa")]
            Material::Ed25519(key) => key.verify(message, signature),
            #[cfg(feature = "rs256")]
            Material::Rs256(key) => key.verify(message, signature),
        }
    }
}

impl Deref for KeyRef<'_> {
    type Target = Key;
    fn deref(&self) -> &Key {
        self.key
    }
}

/// Every JWK in a JWK Set document, with the verdict a [`KeySet<N>`] loading it would reach:
/// the runbook's "test the JWKS endpoint" step (`jwtgate jwks`), from the same code that
/// verifies.
///
/// # Errors
/// [`Error::JwksInvalid`] if the document is not a strict JSON object with a `keys` array.
pub fn inspect<const N: usize>(
    document: &[u8],
) -> Result<impl Iterator<Item = KeyReport<'_>>, Error> {
    let entries = jwk_entries(document)?;
    // The set verification would hold (a document with no usable key holds none).
    let mut held = KeySet::<N>::new();
    let _ = held.load(document);
    let mut usable = 0usize;
    Ok(entries.map(move |jwk| {
        let member = |name| jwk.as_object().and_then(|o| o.get(name));
        let text = |name| member(name).and_then(Value::as_str);
        let verdict = match parse_jwk(jwk) {
            Err(why) => Verdict::Unusable(why),
            Ok(key) => {
                usable += 1;
                let ambiguous = matches!(
                    held.selection_by(key.alg(), |k| k.kid() == key.kid()),
                    Selection::Ambiguous
                );
                if usable > N {
                    Verdict::OverCapacity
                } else if key.kid().is_some() && ambiguous {
                    Verdict::AmbiguousKid
                } else {
                    Verdict::Usable
                }
            }
        };
        KeyReport {
            kid: text("kid"),
            kid_is_string: member("kid").is_none_or(|v| v.as_str().is_some()),
            kty: text("kty"),
            crv: text("crv"),
            alg: text("alg"),
            verdict,
        }
    }))
}

/// One JWK of a set, as [`inspect`] reports it: a few members for display (the strings
/// among them; `None` when absent or not a string) and the verdict.
#[derive(Clone, Copy, Debug)]
pub struct KeyReport<'a> {
    /// `kid`.
    pub kid: Option<JsonStr<'a>>,
    /// False when a `kid` member is present but not a string.
    pub kid_is_string: bool,
    /// `kty`.
    pub kty: Option<JsonStr<'a>>,
    /// `crv`.
    pub crv: Option<JsonStr<'a>>,
    /// `alg`.
    pub alg: Option<JsonStr<'a>>,
    /// What verification makes of the key.
    pub verdict: Verdict,
}

/// What verification makes of one JWK of a set.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Verdict {
    /// Held, and selected for tokens naming its `kid` (or for `kid`-less tokens when it is
    /// the only key for its algorithm).
    Usable,
    /// Held, but another held key has the same `kid`: tokens naming it are rejected.
    AmbiguousKid,
    /// Usable, but beyond the key set's capacity: not held.
    OverCapacity,
    /// Skipped.
    Unusable(Unusable),
}

/// The JWKs of a well-formed JWK Set: a strict JSON object whose `keys` member is an array of
/// JSON objects (RFC 7517 §5). Anything else is not a key set, and never replaces one.
fn jwk_entries(document: &[u8]) -> Result<json::Elements<'_>, Error> {
    let root = json::parse(document, JWKS_MAX_DEPTH).map_err(|_| Error::JwksInvalid)?;
    let keys = root
        .as_object()
        .and_then(|o| o.get("keys"))
        .and_then(Value::as_array)
        .ok_or(Error::JwksInvalid)?;
    if keys.iter().all(|jwk| jwk.as_object().is_some()) {
        Ok(keys.elements())
    } else {
        Err(Error::JwksInvalid)
    }
}

/// The outcome of looking a token's key up.
pub(crate) enum Selection<'k, T> {
    One(&'k Key, &'k T),
    None,
    Ambiguous,
}
