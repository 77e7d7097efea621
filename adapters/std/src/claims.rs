//! [`AuthClaims`]: the owned claims of a verified token, as the layer hands them on.

use jwtgate::{Algorithm, Error, Verified};

/// The claims of a verified token, owned. [`AuthLayer`](crate::AuthLayer) stores them in the
/// request's extensions as an `Arc<AuthClaims>` (shared with the verified-token cache; read
/// them with this extractor, or `Extension<Arc<AuthClaims>>`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthClaims {
    /// The algorithm that verified the token.
    pub alg: Algorithm,
    /// The header's `kid`.
    pub kid: Option<String>,
    /// `sub`
    pub sub: Option<String>,
    /// `role` (Supabase)
    pub role: Option<String>,
    /// The payload's JSON object as text (without whitespace around it), for the application's
    /// own claims.
    pub payload: String,
}

impl AuthClaims {
    /// Copies out what the layer forwards, reading Supabase's claims through the core.
    ///
    /// # Errors
    /// [`Error::ClaimInvalid`] if a Supabase claim has the wrong JSON type (a number `role`).
    pub(crate) fn from_verified(v: &Verified<'_>) -> Result<AuthClaims, Error> {
        let claims = v.claims();
        Ok(AuthClaims {
            alg: v.alg(),
            kid: v.kid().map(|k| k.to_string()),
            sub: claims.sub().map(|s| s.to_string()),
            role: v.supabase()?.role.map(|r| r.to_string()),
            payload: claims.json().to_owned(),
        })
    }
}
