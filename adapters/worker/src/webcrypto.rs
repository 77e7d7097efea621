//! ES256 signatures checked by the runtime's WebCrypto (`crypto.subtle.verify`): native code
//! in workerd, several times faster than jwtgate's P-256 compiled to wasm. The core still
//! parses, selects the key, and applies the policy (see `driver::verify_checking`); this file
//! only moves the key, the signing input and the signature across and reads the verdict.
//!
//! Keys are imported once per isolate and kept by their SEC1 bytes (a rotated key has other
//! bytes, so a kept import can never verify for another key). A key WebCrypto will not import
//! or a call that throws is checked by jwtgate's own code, with a warning (the 1st, 2nd, 4th,
//! 8th.. in an isolate, so a platform that keeps failing cannot flood the log): the verdict
//! never depends on whether the platform is well.

use std::cell::{Cell, RefCell};

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use jwtgate::driver::SignatureCheck;
use jwtgate::{Error, KeyRef};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = importKey)]
    fn import_key(
        format: &str,
        key_data: &Uint8Array,
        algorithm: &Object,
        extractable: bool,
        usages: &Array,
    ) -> Result<Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = verify)]
    fn subtle_verify(
        algorithm: &Object,
        key: &JsValue,
        signature: &Uint8Array,
        data: &Uint8Array,
    ) -> Result<Promise, JsValue>;
}

/// Imported keys an isolate keeps; a set rarely holds more than two or three ES256 keys. When
/// full, the oldest import is dropped (a request that still needs it imports it again).
const KEPT_IMPORTS: usize = 8;

/// The isolate's WebCrypto state: the two algorithm objects and the imported keys.
pub(crate) struct Imports {
    /// `{name: "ECDSA", namedCurve: "P-256"}`, for `importKey`.
    import: Object,
    /// `{name: "ECDSA", hash: "SHA-256"}`, for `verify`.
    verify: Object,
    keys: RefCell<Vec<([u8; 65], JsValue)>>,
    /// Checks WebCrypto failed on, in this isolate (each then checked in wasm).
    fallbacks: Cell<u64>,
}

impl Imports {
    pub(crate) fn new() -> Imports {
        let object = |pairs: [(&str, &str); 2]| {
            let o = Object::new();
            for (name, value) in pairs {
                // Cannot fail on a new plain object; if it did, WebCrypto would reject the
                // call and the check would fall back to wasm, with a warning.
                let _ = Reflect::set(&o, &name.into(), &value.into());
            }
            o
        };
        Imports {
            import: object([("name", "ECDSA"), ("namedCurve", "P-256")]),
            verify: object([("name", "ECDSA"), ("hash", "SHA-256")]),
            keys: RefCell::new(Vec::new()),
            fallbacks: Cell::new(0),
        }
    }

    /// Imports `sec1` unless it is kept already.
    async fn import(&self, sec1: &[u8; 65]) -> Result<(), JsValue> {
        if self.keys.borrow().iter().any(|(k, _)| k == sec1) {
            return Ok(());
        }
        let usages = Array::of1(&"verify".into());
        let data = Uint8Array::from(&sec1[..]);
        let key = JsFuture::from(import_key("raw", &data, &self.import, false, &usages)?).await?;
        let mut keys = self.keys.borrow_mut();
        if !keys.iter().any(|(k, _)| k == sec1) {
            if keys.len() == KEPT_IMPORTS {
                keys.remove(0);
            }
            keys.push((*sec1, key));
        }
        Ok(())
    }

    /// WebCrypto's verdict on an ES256 signature (`r || s`, as in the JWS).
    async fn verify(
        &self,
        sec1: &[u8; 65],
        message: &[u8],
        signature: &[u8],
    ) -> Result<bool, JsValue> {
        self.import(sec1).await?;
        let promise = {
            let keys = self.keys.borrow();
            let key = keys
                .iter()
                .find(|(k, _)| k == sec1)
                .map(|(_, key)| key)
                .ok_or_else(|| JsValue::from_str("imported key dropped"))?;
            // Copied into JS memory: WebCrypto may read its arguments after this returns.
            let (signature, message) = (Uint8Array::from(signature), Uint8Array::from(message));
            subtle_verify(&self.verify, key, &signature, &message)?
        };
        Ok(JsFuture::from(promise).await?.as_bool() == Some(true))
    }
}

/// The [`SignatureCheck`] the guard verifies with.
pub(crate) struct WebCrypto<'i>(pub(crate) &'i Imports);

impl SignatureCheck for WebCrypto<'_> {
    async fn check(
        &mut self,
        key: KeyRef<'_>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), Error> {
        let Some(es256) = key.es256_key() else {
            return key.verify(message, signature);
        };
        match self.0.verify(&es256.sec1(), message, signature).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Error::SignatureInvalid),
            Err(e) => {
                let fallbacks = self.0.fallbacks.get().saturating_add(1);
                self.0.fallbacks.set(fallbacks);
                if fallbacks.is_power_of_two() {
                    worker::console_warn!(
                        "jwtgate: WebCrypto could not check a signature ({:?}); checking it in \
                         wasm ({} times in this isolate; logged at powers of two)",
                        e,
                        fallbacks
                    );
                }
                key.verify(message, signature)
            }
        }
    }
}
