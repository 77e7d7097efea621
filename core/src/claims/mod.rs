//! The JWT claims set (RFC 7519 §4): registered claims typed and checked, everything else
//! reachable through the raw JSON.

mod numeric_date;

use crate::Error;
use crate::json::{self, Array, JsonStr, Object, Value};

/// A claims set whose registered claims have the right JSON types.
///
/// `exp` is required. NumericDates may be written as integers, fractions or exponents; they
/// are held as their exact ceiling, which makes `now < exp` and `nbf <= now` exact in whole
/// seconds.
#[derive(Clone, Copy, Debug)]
pub struct Claims<'a> {
    raw: &'a [u8],
    object: Object<'a>,
    exp: i64,
    nbf: Option<i64>,
    iat: Option<i64>,
    iss: Option<JsonStr<'a>>,
    sub: Option<JsonStr<'a>>,
    jti: Option<JsonStr<'a>>,
    aud: Option<Audience<'a>>,
}

/// The `aud` claim: one string or an array of strings.
#[derive(Clone, Copy, Debug)]
pub enum Audience<'a> {
    /// `"aud": "x"`
    One(JsonStr<'a>),
    /// `"aud": ["x", "y"]` (every element checked to be a string)
    Many(Array<'a>),
}

impl Audience<'_> {
    /// Whether `audience` is the audience or one of them.
    pub fn contains(&self, audience: &str) -> bool {
        match self {
            Audience::One(s) => s.eq_str(audience),
            Audience::Many(a) => a
                .iter()
                .any(|v| v.as_str().is_some_and(|s| s.eq_str(audience))),
        }
    }
}

impl<'a> Claims<'a> {
    /// Parses a decoded JWS payload.
    ///
    /// # Errors
    /// [`Error::TokenMalformed`] if it is not a strict JSON object within `max_depth`;
    /// [`Error::ClaimInvalid`] if `exp` is missing or a registered claim has the wrong type.
    pub fn parse(payload: &'a [u8], max_depth: u8) -> Result<Self, Error> {
        // The registered claims are picked up while the payload is validated (names are
        // unique in a valid object): the payload is the largest JSON a verify reads, and a
        // second walk over its members cost about as much as a third of the validation.
        let (object, registered) = json::parse_picking(payload, max_depth, &REGISTERED)
            .map_err(|_| Error::TokenMalformed)?;
        let object = object.as_object().ok_or(Error::TokenMalformed)?;
        let [exp, nbf, iat, iss, sub, jti, aud] = registered;
        let date = |v| typed_value(v, |v| v.as_number().map(json::Number::ceil_i64));
        let text = |v| typed_value(v, Value::as_str);
        let aud = typed_value(aud, |v| match v {
            Value::String(s) => Some(Audience::One(s)),
            Value::Array(a) => a
                .iter()
                .all(|e| e.as_str().is_some())
                .then_some(Audience::Many(a)),
            _ => None,
        })?;
        Ok(Claims {
            raw: payload,
            object,
            exp: date(exp)?.ok_or(Error::ClaimInvalid)?,
            nbf: date(nbf)?,
            iat: date(iat)?,
            iss: text(iss)?,
            sub: text(sub)?,
            jti: text(jti)?,
            aud,
        })
    }

    /// The decoded payload bytes, for the caller's own deserializer.
    pub fn raw(&self) -> &'a [u8] {
        self.raw
    }
    /// The payload's JSON object as text: [`Claims::raw`] without the whitespace around the
    /// object, already checked to be UTF-8 (so a copy need not check it again).
    pub fn json(&self) -> &'a str {
        self.object.text()
    }
    /// The payload as a JSON object, for claims jwtgate does not type.
    pub fn object(&self) -> Object<'a> {
        self.object
    }
    /// Any claim by name.
    pub fn get(&self, name: &str) -> Option<Value<'a>> {
        self.object.get(name)
    }
    /// `exp`, rounded up to whole seconds.
    pub fn exp(&self) -> i64 {
        self.exp
    }
    /// `nbf`, rounded up to whole seconds.
    pub fn nbf(&self) -> Option<i64> {
        self.nbf
    }
    /// `iat`, rounded up to whole seconds.
    pub fn iat(&self) -> Option<i64> {
        self.iat
    }
    /// `iss`
    pub fn iss(&self) -> Option<JsonStr<'a>> {
        self.iss
    }
    /// `sub`
    pub fn sub(&self) -> Option<JsonStr<'a>> {
        self.sub
    }
    /// `jti`
    pub fn jti(&self) -> Option<JsonStr<'a>> {
        self.jti
    }
    /// `aud`
    pub fn aud(&self) -> Option<Audience<'a>> {
        self.aud
    }

    /// The claims Supabase Auth puts in its access tokens.
    ///
    /// # Errors
    /// [`Error::ClaimInvalid`] if one of them is present with the wrong JSON type.
    pub fn supabase(&self) -> Result<SupabaseClaims<'a>, Error> {
        let [role, aal, session_id, email, is_anonymous] = self.object.pick(&SUPABASE);
        let text = |v| typed_value(v, Value::as_str);
        Ok(SupabaseClaims {
            role: text(role)?,
            aal: text(aal)?,
            session_id: text(session_id)?,
            email: text(email)?,
            is_anonymous: typed_value(is_anonymous, Value::as_bool)?,
        })
    }
}

/// Supabase Auth's own claims (`sub` is in [`Claims::sub`]).
#[derive(Clone, Copy, Debug)]
pub struct SupabaseClaims<'a> {
    /// `role`, e.g. `authenticated` or `anon`.
    pub role: Option<JsonStr<'a>>,
    /// `aal`, the authenticator assurance level (`aal1`, `aal2`).
    pub aal: Option<JsonStr<'a>>,
    /// `session_id`
    pub session_id: Option<JsonStr<'a>>,
    /// `email`
    pub email: Option<JsonStr<'a>>,
    /// `is_anonymous`
    pub is_anonymous: Option<bool>,
}

/// The registered claims [`Claims::parse`] reads, in the order it destructures them.
const REGISTERED: [&str; 7] = ["exp", "nbf", "iat", "iss", "sub", "jti", "aud"];
/// Supabase Auth's claims [`Claims::supabase`] reads, in the order it destructures them.
const SUPABASE: [&str; 5] = ["role", "aal", "session_id", "email", "is_anonymous"];

/// An optional value that, when present, must convert with `want`.
fn typed_value<'a, T>(
    value: Option<Value<'a>>,
    want: impl Fn(Value<'a>) -> Option<T>,
) -> Result<Option<T>, Error> {
    value
        .map(|v| want(v).ok_or(Error::ClaimInvalid))
        .transpose()
}
