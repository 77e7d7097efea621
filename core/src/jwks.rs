//! JWK Set (RFC 7517 §5) parsing into a fixed-capacity key set.

use crate::Error;
use crate::alg::Algorithm;
use crate::json::{self, JsonStr, Value};
use crate::jwk::{Key, Unusable, parse_jwk};

/// Nesting allowed in a JWK Set document (`{"keys":[{"key_ops":[..]}]}` needs 3).
const JWKS_MAX_DEPTH: u8 = 16;

/// What loading a JWK Set found, for metrics and warnings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LoadReport {
    /// Usable keys now held.
    pub loaded: usize,
    /// Keys skipped as unusable or unsupported.
    pub skipped: usize,
    /// Usable keys dropped because the set holds at most `N`.
    pub overflow: usize,
}

/// Up to `N` usable verification keys, loaded from a JWK Set.
///
/// Lives wherever the caller puts it (stack, `static`, inside a cache); loading replaces the
/// keys in place and only once the new set is known to be good.
#[derive(Clone, Debug)]
pub struct KeySet<const N: usize> {
    keys: heapless::Vec<Key, N>,
}

impl<const N: usize> Default for KeySet<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> KeySet<N> {
    /// An empty set.
    pub const fn new() -> Self {
        KeySet {
            keys: heapless::Vec::new(),
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

    /// Adds one key (for keys configured in firmware rather than fetched).
    ///
    /// # Errors
    /// [`Error::JwksInvalid`] when the set already holds `N` keys.
    pub fn push(&mut self, key: Key) -> Result<(), Error> {
        self.keys.push(key).map_err(|_| Error::JwksInvalid)
    }

    /// Empties the set.
    pub fn clear(&mut self) {
        self.keys.clear();
    }

    /// Replaces the held keys with the usable keys of a JWK Set document.
    ///
    /// Unusable and unsupported keys are skipped, and usable keys past `N` are dropped; both
    /// are counted in the report. On error the held keys are left untouched.
    ///
    /// # Errors
    /// [`Error::JwksInvalid`] if the document is not a strict JSON object with a `keys` array,
    /// or has no usable key.
    pub fn load(&mut self, document: &[u8]) -> Result<LoadReport, Error> {
        let keys = jwk_entries(document)?;
        // First pass decides; the held keys are only touched once success is certain.
        if !keys.clone().any(|jwk| parse_jwk(jwk).is_ok()) {
            return Err(Error::JwksInvalid);
        }
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
        Ok(report)
    }

    /// Picks the key for a token: with a `kid`, the one usable key of that `kid`; without,
    /// the only usable key for `alg`.
    ///
    /// # Errors
    /// [`Error::KeyNotFound`] when no key fits or more than one does (ambiguous).
    pub fn select(&self, kid: Option<JsonStr<'_>>, alg: Algorithm) -> Result<&Key, Error> {
        match self.selection(kid, alg) {
            Selection::One(key) => Ok(key),
            Selection::None | Selection::Ambiguous => Err(Error::KeyNotFound),
        }
    }

    /// Like [`KeySet::select`], but tells "no such key" (worth a refetch) from "ambiguous".
    pub(crate) fn selection(&self, kid: Option<JsonStr<'_>>, alg: Algorithm) -> Selection<'_> {
        let mut fitting = self
            .keys
            .iter()
            .filter(|k| k.alg() == alg && kid.is_none_or(|kid| k.matches_kid(kid)));
        match (fitting.next(), fitting.next()) {
            (Some(key), None) => Selection::One(key),
            (None, _) => Selection::None,
            (Some(_), Some(_)) => Selection::Ambiguous,
        }
    }
}

/// Every JWK in a JWK Set document, each with its verdict: for inspection (`jwtgate jwks`).
///
/// # Errors
/// [`Error::JwksInvalid`] if the document is not a strict JSON object with a `keys` array.
pub fn inspect(
    document: &[u8],
) -> Result<impl Iterator<Item = (Value<'_>, Result<Key, Unusable>)>, Error> {
    Ok(jwk_entries(document)?.map(|jwk| (jwk, parse_jwk(jwk))))
}

fn jwk_entries(document: &[u8]) -> Result<json::Elements<'_>, Error> {
    let root = json::parse(document, JWKS_MAX_DEPTH).map_err(|_| Error::JwksInvalid)?;
    let keys = root
        .as_object()
        .and_then(|o| o.get("keys"))
        .and_then(Value::as_array);
    keys.map(|k| k.iter()).ok_or(Error::JwksInvalid)
}

/// The outcome of looking a token's key up.
pub(crate) enum Selection<'k> {
    One(&'k Key),
    None,
    Ambiguous,
}
