//! An independent, allocation-happy model of DESIGN.md's "Verification semantics", written
//! from the spec rather than from jwtgate's code: a tree-building strict JSON parser, a
//! strict base64url decoder, exact decimal comparisons for NumericDates, the JWK usability
//! rules, key selection and the full verify order. The targets compare jwtgate against it.

use jwtgate::Error;
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};

// ------------------------------------------------------------------------------------------
// JSON (RFC 8259 + DESIGN: no BOM, no duplicate names, no lone surrogates, bounded depth)
// ------------------------------------------------------------------------------------------

/// A JSON value; strings are decoded, numbers kept as text.
#[derive(Clone, Debug, PartialEq)]
pub enum J {
    Null,
    Bool(bool),
    Num(String),
    /// Decoded text, whether the source had any escape, and the source text between the
    /// quotes (escapes as written).
    Str(String, bool, String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

/// The first rule a document breaks, in document order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JErr {
    Syntax,
    TooDeep,
    Dup,
}

impl J {
    pub fn get(&self, name: &str) -> Option<&J> {
        match self {
            J::Obj(m) => m.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn str(&self) -> Option<&str> {
        match self {
            J::Str(s, ..) => Some(s),
            _ => None,
        }
    }
    /// Nesting depth: scalars 0, `[]` 1.
    pub fn depth(&self) -> usize {
        match self {
            J::Arr(a) => 1 + a.iter().map(J::depth).max().unwrap_or(0),
            J::Obj(m) => 1 + m.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }
}

/// Parses `doc` strictly, nested at most `max_depth` (capped at 64) levels.
pub fn parse(doc: &[u8], max_depth: u8) -> Result<J, JErr> {
    if std::str::from_utf8(doc).is_err() {
        return Err(JErr::Syntax);
    }
    let mut p = P { s: doc, i: 0 };
    let v = p.value(usize::from(max_depth.min(64)))?;
    p.ws();
    if p.i == doc.len() {
        Ok(v)
    } else {
        Err(JErr::Syntax)
    }
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn next(&mut self) -> Result<u8, JErr> {
        let b = self.peek().ok_or(JErr::Syntax)?;
        self.i += 1;
        Ok(b)
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    fn lit(&mut self, w: &[u8]) -> Result<(), JErr> {
        if self.s.get(self.i..self.i + w.len()) == Some(w) {
            self.i += w.len();
            Ok(())
        } else {
            Err(JErr::Syntax)
        }
    }
    fn value(&mut self, depth: usize) -> Result<J, JErr> {
        self.ws();
        match self.peek().ok_or(JErr::Syntax)? {
            b'{' => {
                if depth == 0 {
                    return Err(JErr::TooDeep);
                }
                self.i += 1;
                let mut members: Vec<(String, J)> = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(J::Obj(members));
                }
                loop {
                    self.ws();
                    if self.peek() != Some(b'"') {
                        return Err(JErr::Syntax);
                    }
                    let (name, _, _) = self.string()?;
                    if members.iter().any(|(k, _)| *k == name) {
                        return Err(JErr::Dup);
                    }
                    self.ws();
                    if self.next()? != b':' {
                        return Err(JErr::Syntax);
                    }
                    let v = self.value(depth - 1)?;
                    members.push((name, v));
                    self.ws();
                    match self.next()? {
                        b',' => {}
                        b'}' => return Ok(J::Obj(members)),
                        _ => return Err(JErr::Syntax),
                    }
                }
            }
            b'[' => {
                if depth == 0 {
                    return Err(JErr::TooDeep);
                }
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(J::Arr(items));
                }
                loop {
                    items.push(self.value(depth - 1)?);
                    self.ws();
                    match self.next()? {
                        b',' => {}
                        b']' => return Ok(J::Arr(items)),
                        _ => return Err(JErr::Syntax),
                    }
                }
            }
            b'"' => self.string().map(|(s, e, raw)| J::Str(s, e, raw)),
            b't' => self.lit(b"true").map(|()| J::Bool(true)),
            b'f' => self.lit(b"false").map(|()| J::Bool(false)),
            b'n' => self.lit(b"null").map(|()| J::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(JErr::Syntax),
        }
    }
    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }
    fn number(&mut self) -> Result<J, JErr> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(JErr::Syntax),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(JErr::Syntax);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(JErr::Syntax);
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| JErr::Syntax)?;
        Ok(J::Num(text.to_owned()))
    }
    fn hex4(&mut self) -> Result<u32, JErr> {
        let mut v = 0;
        for _ in 0..4 {
            let d = (self.next()? as char).to_digit(16).ok_or(JErr::Syntax)?;
            v = v * 16 + d;
        }
        Ok(v)
    }
    /// A string: its decoded text, whether it had any escape, and its source text between
    /// the quotes.
    fn string(&mut self) -> Result<(String, bool, String), JErr> {
        self.i += 1; // opening quote, checked by the caller
        let start = self.i;
        let mut out: Vec<u8> = Vec::new();
        let mut escaped = false;
        loop {
            let b = self.next()?;
            match b {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    let c = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let u = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&u) {
                                if self.next()? != b'\\' || self.next()? != b'u' {
                                    return Err(JErr::Syntax);
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(JErr::Syntax);
                                }
                                0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&u) {
                                return Err(JErr::Syntax);
                            } else {
                                u
                            };
                            char::from_u32(code).ok_or(JErr::Syntax)?
                        }
                        _ => return Err(JErr::Syntax),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return Err(JErr::Syntax),
                _ => out.push(b),
            }
        }
        // The document was checked to be UTF-8 as a whole.
        let raw = std::str::from_utf8(&self.s[start..self.i - 1]).map_err(|_| JErr::Syntax)?;
        String::from_utf8(out)
            .map(|s| (s, escaped, raw.to_owned()))
            .map_err(|_| JErr::Syntax)
    }
}

// ------------------------------------------------------------------------------------------
// Exact decimal comparison of a JSON number with an integer
// ------------------------------------------------------------------------------------------

/// Compares the exact value of the JSON number `text` with `t`.
pub fn cmp_num(text: &str, t: i128) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (neg, body) = match text.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, text),
    };
    let (mant, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, "0"),
    };
    // Exponent, saturating far beyond any digit count that matters.
    let (eneg, edigits) = match exp.as_bytes().first() {
        Some(b'-') => (true, &exp[1..]),
        Some(b'+') => (false, &exp[1..]),
        _ => (false, exp),
    };
    let mut e: i64 = 0;
    for d in edigits.bytes() {
        e = (e * 10 + i64::from(d - b'0')).min(1_000_000_000);
    }
    if eneg {
        e = -e;
    }
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    // value = 0.DIGITS * 10^point, with DIGITS stripped of leading zeros.
    let all: String = format!("{int}{frac}");
    let lead = all.bytes().take_while(|&b| b == b'0').count();
    let digits = all[lead..].trim_end_matches('0');
    let magnitude_zero = digits.is_empty();
    let point = i64::try_from(int.len()).unwrap() - i64::try_from(lead).unwrap() + e;

    let t_neg = t < 0;
    let t_digits = t.unsigned_abs().to_string();
    let t_zero = t == 0;

    let sign = |zero: bool, neg: bool| {
        if zero {
            0
        } else if neg {
            -1
        } else {
            1
        }
    };
    let (sv, st) = (sign(magnitude_zero, neg), sign(t_zero, t_neg));
    if sv != st {
        return sv.cmp(&st);
    }
    if sv == 0 {
        return Ordering::Equal;
    }
    // Same sign: compare magnitudes, then flip for negatives.
    let t_point = i64::try_from(t_digits.len()).unwrap();
    let t_sig = t_digits.trim_end_matches('0');
    let mag = if point != t_point {
        point.cmp(&t_point)
    } else {
        // Same position of the decimal point: compare digit strings left-aligned.
        let a = digits.as_bytes();
        let b = t_sig.as_bytes();
        let n = a.len().max(b.len());
        let mut ord = Ordering::Equal;
        for i in 0..n {
            let x = a.get(i).copied().unwrap_or(b'0');
            let y = b.get(i).copied().unwrap_or(b'0');
            if x != y {
                ord = x.cmp(&y);
                break;
            }
        }
        ord
    };
    if sv < 0 { mag.reverse() } else { mag }
}

// ------------------------------------------------------------------------------------------
// base64url
// ------------------------------------------------------------------------------------------

/// Strict base64url without padding: alphabet only, no length ≡ 1 (mod 4), zero trailing bits.
pub fn b64_strict(src: &[u8]) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        } as u32)
    }
    if src.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(src.len() * 3 / 4);
    for chunk in src.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | val(c)?;
        }
        match chunk.len() {
            4 => out.extend_from_slice(&acc.to_be_bytes()[1..]),
            3 => {
                if acc & 0b11 != 0 {
                    return None;
                }
                let v = acc >> 2;
                out.push((v >> 8) as u8);
                out.push(v as u8);
            }
            2 => {
                if acc & 0b1111 != 0 {
                    return None;
                }
                out.push((acc >> 4) as u8);
            }
            _ => return None,
        }
    }
    Some(out)
}

// ------------------------------------------------------------------------------------------
// JWK and JWK Set
// ------------------------------------------------------------------------------------------

/// A usable ES256 key as the model sees it.
#[derive(Clone, Debug)]
pub struct MKey {
    pub kid: Option<String>,
    pub kind: MKind,
}

/// A usable key's type and public key.
#[derive(Clone, Debug)]
pub enum MKind {
    /// ES256: the coordinates, and p256's key for the independent signature check.
    Ec {
        x: [u8; 32],
        y: [u8; 32],
        key: VerifyingKey,
    },
    /// EdDSA: the 32-byte encoding (its point validity is the library's, checked by the
    /// Wycheproof suite; the model checks the JWK rules around it).
    Okp { x: [u8; 32] },
    /// RS256: the modulus (e is 65537).
    Rsa { n: Vec<u8> },
}

impl MKey {
    /// The algorithm the key verifies.
    pub fn alg(&self) -> &'static str {
        match self.kind {
            MKind::Ec { .. } => "ES256",
            MKind::Okp { .. } => "EdDSA",
            MKind::Rsa { .. } => "RS256",
        }
    }
}

/// DESIGN's usability rules for one JWK (`Err(())`: skipped).
pub fn jwk(v: &J) -> Result<MKey, ()> {
    let J::Obj(_) = v else { return Err(()) };
    // Every member jwtgate reads must have its type when present.
    let text = |name: &str| -> Result<Option<&str>, ()> {
        match v.get(name) {
            None => Ok(None),
            Some(J::Str(s, ..)) => Ok(Some(s)),
            Some(_) => Err(()),
        }
    };
    let kty = text("kty")?.ok_or(())?;
    let crv = text("crv")?;
    let alg = match (kty, crv) {
        ("EC", Some("P-256")) => "ES256",
        ("OKP", Some("Ed25519")) => "EdDSA",
        ("RSA", _) => "RS256",
        _ => return Err(()),
    };
    if text("alg")?.is_some_and(|a| a != alg) {
        return Err(());
    }
    if text("use")?.is_some_and(|u| u != "sig") {
        return Err(());
    }
    if let Some(ops) = v.get("key_ops") {
        let J::Arr(ops) = ops else { return Err(()) };
        let mut verify = false;
        for op in ops {
            verify |= op.str().ok_or(())? == "verify";
        }
        if !verify {
            return Err(());
        }
    }
    let coord = |name: &str| -> Result<[u8; 32], ()> {
        match v.get(name) {
            // jwtgate takes coordinates only as written: an escaped coordinate is refused.
            Some(J::Str(s, false, _)) => b64_strict(s.as_bytes())
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or(()),
            _ => Err(()),
        }
    };
    let kind = match alg {
        "ES256" => {
            let x = coord("x")?;
            let y = coord("y")?;
            let mut sec1 = vec![4u8];
            sec1.extend_from_slice(&x);
            sec1.extend_from_slice(&y);
            let key = VerifyingKey::from_sec1_bytes(&sec1).map_err(|_| ())?;
            MKind::Ec { x, y, key }
        }
        "EdDSA" => {
            let x = coord("x")?;
            jwtgate::Ed25519Key::from_bytes(&x).map_err(|_| ())?;
            MKind::Okp { x }
        }
        _ => {
            let bytes = |name: &str| match v.get(name) {
                Some(J::Str(s, false, _)) => b64_strict(s.as_bytes()).ok_or(()),
                _ => Err(()),
            };
            let n = bytes("n")?;
            // e = 65537 exactly; n minimal, odd, 2048 to 4096 bits.
            if bytes("e")? != [1, 0, 1] {
                return Err(());
            }
            let bits = match n.first() {
                Some(&top) if top != 0 => n.len() * 8 - top.leading_zeros() as usize,
                _ => return Err(()),
            };
            if !(2048..=4096).contains(&bits) || n.last().is_none_or(|b| b & 1 == 0) {
                return Err(());
            }
            MKind::Rsa { n }
        }
    };
    let kid = text("kid")?.map(str::to_owned);
    if kid.as_ref().is_some_and(|k| k.len() > jwtgate::MAX_KID_LEN) {
        return Err(());
    }
    Ok(MKey { kid, kind })
}

/// The entries of a JWK Set document (`None`: not a JWK Set at all). RFC 7517 §5: a JSON
/// object whose `keys` member is an array of JWKs, which are JSON objects.
pub fn jwks_entries(doc: &[u8]) -> Option<Vec<J>> {
    let root = parse(doc, 16).ok()?;
    match root.get("keys")? {
        J::Arr(a) if a.iter().all(|e| matches!(e, J::Obj(_))) => Some(a.clone()),
        _ => None,
    }
}

/// What loading a JWK Set into `N` slots gives: the keys kept, skipped and overflow counts,
/// or `None` when jwtgate must refuse the document (not a set). A well-formed set is
/// authoritative even with no usable key: it empties the key set (a revocation).
pub fn jwks_load(doc: &[u8], n: usize) -> Option<(Vec<MKey>, usize, usize)> {
    let entries = jwks_entries(doc)?;
    let mut keys = Vec::new();
    let (mut skipped, mut overflow) = (0, 0);
    for e in &entries {
        match jwk(e) {
            Ok(k) if keys.len() < n => keys.push(k),
            Ok(_) => overflow += 1,
            Err(()) => skipped += 1,
        }
    }
    Some((keys, skipped, overflow))
}

// ------------------------------------------------------------------------------------------
// Claims and policy
// ------------------------------------------------------------------------------------------

/// A verifier policy, as plain data.
#[derive(Clone, Debug, Default)]
pub struct MPolicy {
    pub iss: Option<String>,
    pub aud: Option<String>,
    pub leeway: u64,
    pub es256: bool,
    pub hs256: Option<Vec<u8>>,
    pub max_depth: u8,
}

impl MPolicy {
    pub fn to_policy(&self) -> jwtgate::Policy<'_> {
        let mut p = jwtgate::Policy::new()
            .leeway(self.leeway)
            .allow(jwtgate::Algorithm::Es256, self.es256)
            .max_depth(self.max_depth);
        if let Some(i) = &self.iss {
            p = p.issuer(i);
        }
        if let Some(a) = &self.aud {
            p = p.audience(a);
        }
        if let Some(s) = &self.hs256 {
            p = p.hs256(jwtgate::Hs256Secret::new(s).expect("fixture secret is long enough"));
        }
        p
    }
}

/// Registered-claim types only (what `Claims::parse` checks after the JSON).
pub fn claim_types(claims: &J) -> Result<(), Error> {
    let J::Obj(_) = claims else {
        return Err(Error::TokenMalformed);
    };
    let num = |n: &str, required: bool| match claims.get(n) {
        None if required => Err(Error::ClaimInvalid),
        None | Some(J::Num(_)) => Ok(()),
        Some(_) => Err(Error::ClaimInvalid),
    };
    num("exp", true)?;
    num("nbf", false)?;
    num("iat", false)?;
    for n in ["iss", "sub", "jti"] {
        if !matches!(claims.get(n), None | Some(J::Str(..))) {
            return Err(Error::ClaimInvalid);
        }
    }
    match claims.get("aud") {
        None | Some(J::Str(..)) => {}
        Some(J::Arr(a)) if a.iter().all(|e| matches!(e, J::Str(..))) => {}
        Some(_) => return Err(Error::ClaimInvalid),
    }
    Ok(())
}

/// Claim types, then `exp`, `nbf`, `iss`, `aud` against the policy at `now`, exactly (no
/// rounding, no saturation): `now < exp + leeway` and `nbf <= now + leeway` over the reals.
pub fn check_claims(claims: &J, policy: &MPolicy, now: u64) -> Result<(), Error> {
    use std::cmp::Ordering;
    claim_types(claims)?;
    let now = i128::from(now);
    let leeway = i128::from(policy.leeway);
    if let Some(J::Num(exp)) = claims.get("exp") {
        // now < exp + leeway  <=>  exp > now - leeway
        if cmp_num(exp, now - leeway) != Ordering::Greater {
            return Err(Error::TokenExpired);
        }
    }
    if let Some(J::Num(nbf)) = claims.get("nbf")
        && cmp_num(nbf, now + leeway) == Ordering::Greater
    {
        return Err(Error::TokenNotYetValid);
    }
    if let Some(want) = &policy.iss
        && claims.get("iss").and_then(J::str) != Some(want.as_str())
    {
        return Err(Error::ClaimInvalid);
    }
    if let Some(want) = &policy.aud {
        let ok = match claims.get("aud") {
            Some(J::Str(s, ..)) => s == want,
            Some(J::Arr(a)) => a.iter().any(|e| e.str() == Some(want.as_str())),
            _ => false,
        };
        if !ok {
            return Err(Error::ClaimInvalid);
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------------------
// Header and the whole verify path
// ------------------------------------------------------------------------------------------

/// What the header says once it passed DESIGN's header rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MHeader {
    pub alg: &'static str,
    pub kid: Option<String>,
}

/// The header rules, in jwtgate's documented order: JSON object (depth 4), `crit`, `b64`,
/// `alg`, `kid`.
pub fn header(doc: &[u8]) -> Result<MHeader, Error> {
    let h = parse(doc, 4).map_err(|_| Error::TokenMalformed)?;
    let J::Obj(_) = h else {
        return Err(Error::TokenMalformed);
    };
    if h.get("crit").is_some() {
        return Err(Error::AlgNotAllowed);
    }
    match h.get("b64") {
        None | Some(J::Bool(true)) => {}
        Some(J::Bool(false)) => return Err(Error::AlgNotAllowed),
        Some(_) => return Err(Error::TokenMalformed),
    }
    let alg = match h.get("alg") {
        Some(J::Str(a, ..)) => match a.as_str() {
            "ES256" => "ES256",
            "HS256" => "HS256",
            "EdDSA" => "EdDSA",
            "RS256" => "RS256",
            _ => return Err(Error::AlgNotAllowed),
        },
        _ => return Err(Error::TokenMalformed),
    };
    let kid = match h.get("kid") {
        None => None,
        Some(J::Str(k, ..)) => Some(k.clone()),
        Some(_) => return Err(Error::TokenMalformed),
    };
    Ok(MHeader { alg, kid })
}

/// The structural part of `UntrustedToken::parse` with a buffer of `buf_len` bytes.
pub fn parse_token(token: &[u8], buf_len: usize) -> Result<(MHeader, Vec<u8>, Vec<u8>), Error> {
    let parts: Vec<&[u8]> = token.split(|&b| b == b'.').collect();
    let [h, p, s] = parts[..] else {
        return Err(Error::TokenMalformed);
    };
    let hb = b64_strict(h).ok_or(Error::TokenMalformed)?;
    // jwtgate reads at most 2048 bytes of header (it is parsed before the signature check).
    if hb.len() > 2048 {
        return Err(Error::TokenMalformed);
    }
    let pb = b64_strict(p).ok_or(Error::TokenMalformed)?;
    if hb.len() + pb.len() > buf_len {
        return Err(Error::TokenMalformed);
    }
    let header = header(&hb)?;
    let sig = b64_strict(s).ok_or(Error::TokenMalformed)?;
    // The longest signature of a built-in algorithm: RS256's 4096-bit modulus.
    if sig.len() > 512 {
        return Err(Error::SignatureInvalid);
    }
    Ok((header, pb, sig))
}

/// The one key of the token's algorithm (and `kid`, if any), or `KeyNotFound`.
fn fitting<'k>(keys: &'k [MKey], header: &MHeader) -> Result<&'k MKey, Error> {
    let fitting: Vec<&MKey> = keys
        .iter()
        .filter(|k| k.alg() == header.alg)
        .filter(|k| match &header.kid {
            Some(kid) => k.kid.as_deref() == Some(kid.as_str()),
            None => true,
        })
        .collect();
    match fitting[..] {
        [key] => Ok(key),
        _ => Err(Error::KeyNotFound),
    }
}

/// The whole verify path: DESIGN's verdict for `token` with these keys, policy and time.
pub fn verify(
    token: &[u8],
    buf_len: usize,
    keys: &[MKey],
    policy: &MPolicy,
    now: u64,
) -> Result<(), Error> {
    let (header, payload, sig) = parse_token(token, buf_len)?;
    let signing_input = &token[..token.iter().rposition(|&b| b == b'.').unwrap()];
    match header.alg {
        "ES256" => {
            if !policy.es256 {
                return Err(Error::AlgNotAllowed);
            }
            let MKind::Ec { key, .. } = &fitting(keys, &header)?.kind else {
                unreachable!("fitting keys are ES256 keys");
            };
            let sig = Signature::from_slice(&sig).map_err(|_| Error::SignatureInvalid)?;
            key.verify(signing_input, &sig)
                .map_err(|_| Error::SignatureInvalid)?;
        }
        // RS256 checked by ring (RFC 8017 §8.2.2), independently of jwtgate's arithmetic.
        "RS256" => {
            let MKind::Rsa { n } = &fitting(keys, &header)?.kind else {
                unreachable!("fitting keys are RS256 keys");
            };
            ring::signature::RsaPublicKeyComponents {
                n: n.as_slice(),
                e: &[1u8, 0, 1][..],
            }
            .verify(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                signing_input,
                &sig,
            )
            .map_err(|_| Error::SignatureInvalid)?;
        }
        // The fixture sets hold no Ed25519 key, so this finds none (no type confusion).
        "EdDSA" => {
            fitting(keys, &header)?;
            unreachable!("no EdDSA keys in the fixture sets");
        }
        _ => {
            let secret = policy.hs256.as_ref().ok_or(Error::AlgNotAllowed)?;
            let mac = crate::fixtures::hs256_mac(secret, signing_input);
            if sig != mac {
                return Err(Error::SignatureInvalid);
            }
        }
    }
    let claims = parse(&payload, policy.max_depth).map_err(|_| Error::TokenMalformed)?;
    check_claims(&claims, policy, now)
}
