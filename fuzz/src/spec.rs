//! Structured token inputs: the fuzzer chooses header and payload members, NumericDate
//! notations, signers and post-signing mutations, so valid and almost-valid tokens are
//! reached without guessing signatures.

use arbitrary::Arbitrary;

use crate::fixtures::{self, KeyId, NOW};

/// JSON text of a string (escaped by serde_json).
fn q(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}

#[derive(Arbitrary, Debug, Clone)]
pub enum AlgSpec {
    Es256,
    Hs256,
    /// `"ES25\u0036"`: the same name, escaped.
    Es256Escaped,
    None,
    Lower,
    Rs256,
    Es384,
    Number,
    Missing,
    Other(String),
}

#[derive(Arbitrary, Debug, Clone)]
pub enum KidSpec {
    Missing,
    K1,
    K2,
    K3,
    /// `"k\u0031"`
    K1Escaped,
    Unknown,
    Null,
    Number,
    Empty,
    Long,
    Other(String),
}

/// An extra header or claim member name.
#[derive(Arbitrary, Debug, Clone)]
pub enum NameSpec {
    Crit,
    B64,
    Typ,
    Cty,
    Jwk,
    Jku,
    X5u,
    X5c,
    Zip,
    Alg,
    Kid,
    Exp,
    Nbf,
    Iat,
    Iss,
    Sub,
    Jti,
    Aud,
    Role,
    Other(String),
}

impl NameSpec {
    fn text(&self) -> String {
        let s = match self {
            NameSpec::Crit => "crit",
            NameSpec::B64 => "b64",
            NameSpec::Typ => "typ",
            NameSpec::Cty => "cty",
            NameSpec::Jwk => "jwk",
            NameSpec::Jku => "jku",
            NameSpec::X5u => "x5u",
            NameSpec::X5c => "x5c",
            NameSpec::Zip => "zip",
            NameSpec::Alg => "alg",
            NameSpec::Kid => "kid",
            NameSpec::Exp => "exp",
            NameSpec::Nbf => "nbf",
            NameSpec::Iat => "iat",
            NameSpec::Iss => "iss",
            NameSpec::Sub => "sub",
            NameSpec::Jti => "jti",
            NameSpec::Aud => "aud",
            NameSpec::Role => "role",
            NameSpec::Other(s) => return q(s),
        };
        format!("\"{s}\"")
    }
}

/// How a NumericDate near [`NOW`] is written.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum NumForm {
    Int,
    /// `v.000`
    Zeros(u8),
    /// `v.F` for a fraction F (value v + 0.F)
    Frac(u16),
    /// `d.ddde9`
    Exp,
    /// `D0e-1` style: more digits, negative exponent
    ExpNeg(u8),
    /// `d.dddE+9`
    ExpUpper,
    /// `(v-1).F`, just below v
    Below(u16),
}

#[derive(Arbitrary, Debug, Clone)]
pub enum NumSpec {
    /// NOW + delta, in some notation.
    Near(i16, NumForm),
    Int(i64),
    Float(f64),
    /// Digits and an exponent as text, e.g. huge or tiny values.
    Sci {
        neg: bool,
        digits: u64,
        frac: u32,
        exp: i32,
    },
    Huge,
    NegHuge,
    NegZero,
}

fn render_int(v: i128, form: NumForm) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let d = v.unsigned_abs().to_string();
    match form {
        NumForm::Int => v.to_string(),
        NumForm::Zeros(n) => format!("{v}.{}", "0".repeat(usize::from(n % 8) + 1)),
        NumForm::Frac(f) => format!("{v}.{f:04}"),
        NumForm::Below(f) => format!("{}.{}", v - 1, 9999 - u32::from(f % 9999)),
        NumForm::Exp | NumForm::ExpUpper => {
            let (head, tail) = d.split_at(1);
            let e = if matches!(form, NumForm::Exp) {
                "e"
            } else {
                "E+"
            };
            let tail = if tail.is_empty() { "0" } else { tail };
            format!("{sign}{head}.{tail}{e}{}", d.len() - 1)
        }
        NumForm::ExpNeg(n) => {
            let n = usize::from(n % 6) + 1;
            format!("{sign}{d}{}e-{n}", "0".repeat(n))
        }
    }
}

impl NumSpec {
    pub fn text(&self) -> String {
        match self {
            NumSpec::Near(delta, form) => render_int(i128::from(NOW) + i128::from(*delta), *form),
            NumSpec::Int(i) => i.to_string(),
            NumSpec::Float(f) if f.is_finite() => serde_json::to_string(f).expect("finite"),
            NumSpec::Float(_) => "1e999".to_owned(),
            NumSpec::Sci {
                neg,
                digits,
                frac,
                exp,
            } => format!("{}{digits}.{frac}e{exp}", if *neg { "-" } else { "" }),
            NumSpec::Huge => "1e400".to_owned(),
            NumSpec::NegHuge => "-99999999999999999999999999".to_owned(),
            NumSpec::NegZero => "-0.0".to_owned(),
        }
    }
}

/// A registered NumericDate claim: a number, or a wrong type.
#[derive(Arbitrary, Debug, Clone)]
pub enum DateSpec {
    Num(NumSpec),
    Str,
    Null,
    Bool,
    Arr,
}

impl DateSpec {
    fn text(&self) -> String {
        match self {
            DateSpec::Num(n) => n.text(),
            DateSpec::Str => format!("\"{NOW}\""),
            DateSpec::Null => "null".to_owned(),
            DateSpec::Bool => "true".to_owned(),
            DateSpec::Arr => format!("[{NOW}]"),
        }
    }
}

/// `iss`, `sub`, `jti`.
#[derive(Arbitrary, Debug, Clone)]
pub enum StrClaim {
    Joe,
    /// `"j\u006fe"`
    JoeEscaped,
    Other(String),
    Number,
    Arr,
    Null,
}

impl StrClaim {
    fn text(&self) -> String {
        match self {
            StrClaim::Joe => "\"joe\"".to_owned(),
            StrClaim::JoeEscaped => "\"j\\u006fe\"".to_owned(),
            StrClaim::Other(s) => q(s),
            StrClaim::Number => "7".to_owned(),
            StrClaim::Arr => "[\"joe\"]".to_owned(),
            StrClaim::Null => "null".to_owned(),
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub enum AudSpec {
    Aud1,
    Other(String),
    /// An array: `true` entries are "aud1", `false` entries "other".
    Arr(Vec<bool>),
    ArrWithNumber,
    Number,
    Obj,
}

impl AudSpec {
    fn text(&self) -> String {
        match self {
            AudSpec::Aud1 => "\"aud1\"".to_owned(),
            AudSpec::Other(s) => q(s),
            AudSpec::Arr(v) => format!(
                "[{}]",
                v.iter()
                    .take(6)
                    .map(|&b| if b { "\"aud1\"" } else { "\"other\"" })
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            AudSpec::ArrWithNumber => "[\"aud1\",1]".to_owned(),
            AudSpec::Number => "1".to_owned(),
            AudSpec::Obj => "{\"aud\":\"aud1\"}".to_owned(),
        }
    }
}

/// An extra member value.
#[derive(Arbitrary, Debug, Clone)]
pub enum ValueSpec {
    Null,
    True,
    False,
    Num(NumSpec),
    Str(String),
    /// A string with escapes, including a surrogate pair.
    Escapes,
    LoneSurrogate,
    EmptyArr,
    ArrStr(Vec<String>),
    EmptyObj,
    /// `depth` levels of nested arrays.
    Nested(u8),
    /// Raw text spliced in as is (may be anything).
    Raw(String),
    NaN,
}

impl ValueSpec {
    fn text(&self) -> String {
        match self {
            ValueSpec::Null => "null".to_owned(),
            ValueSpec::True => "true".to_owned(),
            ValueSpec::False => "false".to_owned(),
            ValueSpec::Num(n) => n.text(),
            ValueSpec::Str(s) => q(s),
            ValueSpec::Escapes => {
                "\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"".to_owned()
            }
            ValueSpec::LoneSurrogate => "\"\\ud800\"".to_owned(),
            ValueSpec::EmptyArr => "[]".to_owned(),
            ValueSpec::ArrStr(v) => format!(
                "[{}]",
                v.iter().take(4).map(|s| q(s)).collect::<Vec<_>>().join(",")
            ),
            ValueSpec::EmptyObj => "{}".to_owned(),
            ValueSpec::Nested(d) => {
                let d = usize::from(d % 24);
                format!("{}1{}", "[".repeat(d), "]".repeat(d))
            }
            ValueSpec::Raw(s) => s.clone(),
            ValueSpec::NaN => "NaN".to_owned(),
        }
    }
}

/// Layout variations of a JSON object.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct Layout {
    pub spaces: bool,
    pub newlines: bool,
    pub bom: bool,
    pub trailing_comma: bool,
}

fn object(members: &[(String, String)], layout: Layout) -> String {
    let sep = match (layout.spaces, layout.newlines) {
        (_, true) => ",\r\n ",
        (true, false) => ", ",
        _ => ",",
    };
    let colon = if layout.spaces { " : " } else { ":" };
    let body = members
        .iter()
        .map(|(k, v)| format!("{k}{colon}{v}"))
        .collect::<Vec<_>>()
        .join(sep);
    let trailing = if layout.trailing_comma && !members.is_empty() {
        ","
    } else {
        ""
    };
    let bom = if layout.bom { "\u{feff}" } else { "" };
    if layout.spaces {
        format!("{bom}{{ {body}{trailing} }}")
    } else {
        format!("{bom}{{{body}{trailing}}}")
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub enum HeaderSpec {
    Fields {
        alg: AlgSpec,
        kid: KidSpec,
        typ: bool,
        extras: Vec<(NameSpec, ValueSpec)>,
        layout: Layout,
    },
    Raw(Vec<u8>),
}

impl HeaderSpec {
    pub fn render(&self) -> Vec<u8> {
        match self {
            HeaderSpec::Raw(b) => b.clone(),
            HeaderSpec::Fields {
                alg,
                kid,
                typ,
                extras,
                layout,
            } => {
                let mut m: Vec<(String, String)> = Vec::new();
                if *typ {
                    m.push(("\"typ\"".into(), "\"JWT\"".into()));
                }
                let alg = match alg {
                    AlgSpec::Es256 => Some("\"ES256\"".to_owned()),
                    AlgSpec::Hs256 => Some("\"HS256\"".to_owned()),
                    AlgSpec::Es256Escaped => Some("\"ES25\\u0036\"".to_owned()),
                    AlgSpec::None => Some("\"none\"".to_owned()),
                    AlgSpec::Lower => Some("\"es256\"".to_owned()),
                    AlgSpec::Rs256 => Some("\"RS256\"".to_owned()),
                    AlgSpec::Es384 => Some("\"ES384\"".to_owned()),
                    AlgSpec::Number => Some("256".to_owned()),
                    AlgSpec::Missing => None,
                    AlgSpec::Other(s) => Some(q(s)),
                };
                if let Some(a) = alg {
                    m.push(("\"alg\"".into(), a));
                }
                let kid = match kid {
                    KidSpec::Missing => None,
                    KidSpec::K1 => Some("\"k1\"".to_owned()),
                    KidSpec::K2 => Some("\"k2\"".to_owned()),
                    KidSpec::K3 => Some("\"k3\"".to_owned()),
                    KidSpec::K1Escaped => Some("\"k\\u0031\"".to_owned()),
                    KidSpec::Unknown => Some("\"k9\"".to_owned()),
                    KidSpec::Null => Some("null".to_owned()),
                    KidSpec::Number => Some("1".to_owned()),
                    KidSpec::Empty => Some("\"\"".to_owned()),
                    KidSpec::Long => Some(format!("\"{}\"", "k".repeat(100))),
                    KidSpec::Other(s) => Some(q(s)),
                };
                if let Some(k) = kid {
                    m.push(("\"kid\"".into(), k));
                }
                for (n, v) in extras.iter().take(6) {
                    m.push((n.text(), v.text()));
                }
                object(&m, *layout).into_bytes()
            }
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub enum PayloadSpec {
    Fields {
        exp: Option<DateSpec>,
        nbf: Option<DateSpec>,
        iat: Option<DateSpec>,
        iss: Option<StrClaim>,
        sub: Option<StrClaim>,
        jti: Option<StrClaim>,
        aud: Option<AudSpec>,
        extras: Vec<(NameSpec, ValueSpec)>,
        layout: Layout,
    },
    Raw(Vec<u8>),
}

impl PayloadSpec {
    pub fn render(&self) -> Vec<u8> {
        match self {
            PayloadSpec::Raw(b) => b.clone(),
            PayloadSpec::Fields {
                exp,
                nbf,
                iat,
                iss,
                sub,
                jti,
                aud,
                extras,
                layout,
            } => {
                let mut m: Vec<(String, String)> = Vec::new();
                let mut push = |n: &str, v: Option<String>| {
                    if let Some(v) = v {
                        m.push((format!("\"{n}\""), v));
                    }
                };
                push("iss", iss.as_ref().map(StrClaim::text));
                push("sub", sub.as_ref().map(StrClaim::text));
                push("aud", aud.as_ref().map(AudSpec::text));
                push("exp", exp.as_ref().map(DateSpec::text));
                push("nbf", nbf.as_ref().map(DateSpec::text));
                push("iat", iat.as_ref().map(DateSpec::text));
                push("jti", jti.as_ref().map(StrClaim::text));
                for (n, v) in extras.iter().take(6) {
                    m.push((n.text(), v.text()));
                }
                object(&m, *layout).into_bytes()
            }
        }
    }
}

#[derive(Arbitrary, Debug, Clone)]
pub enum SigSpec {
    /// ES256 with one of the fixed keys.
    Es256(KeyChoice),
    /// ES256 with the key, then `s` replaced by `n - s`.
    HighS(KeyChoice),
    /// HS256 with the configured secret.
    Hs256,
    /// HS256 with another secret.
    Hs256Wrong,
    /// Fuzzer-chosen signature bytes.
    Raw(Vec<u8>),
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum KeyChoice {
    A,
    B,
    C,
    Rfc,
}

impl KeyChoice {
    pub fn id(self) -> KeyId {
        match self {
            KeyChoice::A => KeyId::A,
            KeyChoice::B => KeyId::B,
            KeyChoice::C => KeyId::C,
            KeyChoice::Rfc => KeyId::Rfc,
        }
    }
}

/// Damage done to the assembled token after signing.
#[derive(Arbitrary, Debug, Clone)]
pub enum Mutation {
    FlipBit {
        pos: u16,
        bit: u8,
    },
    Insert {
        pos: u16,
        byte: u8,
    },
    Delete {
        pos: u16,
    },
    Truncate {
        pos: u16,
    },
    /// Append `=` padding to a segment.
    Pad {
        segment: u8,
    },
    /// Replace a segment's last character (non-canonical trailing bits, mostly).
    LastChar {
        segment: u8,
        ch: u8,
    },
    /// Swap in the standard alphabet (`-` -> `+`, `_` -> `/`).
    StdAlphabet,
    AppendDot,
}

fn segment_bounds(token: &[u8], segment: u8) -> Option<(usize, usize)> {
    let mut start = 0;
    for (i, part) in token.split(|&b| b == b'.').enumerate() {
        if i == usize::from(segment % 3) {
            return Some((start, start + part.len()));
        }
        start += part.len() + 1;
    }
    None
}

impl Mutation {
    pub fn apply(&self, t: &mut Vec<u8>) {
        let at = |pos: u16, len: usize| if len == 0 { 0 } else { usize::from(pos) % len };
        match *self {
            Mutation::FlipBit { pos, bit } => {
                if !t.is_empty() {
                    let i = at(pos, t.len());
                    t[i] ^= 1 << (bit % 8);
                }
            }
            Mutation::Insert { pos, byte } => {
                let i = at(pos, t.len() + 1);
                t.insert(i, byte);
            }
            Mutation::Delete { pos } => {
                if !t.is_empty() {
                    let i = at(pos, t.len());
                    t.remove(i);
                }
            }
            Mutation::Truncate { pos } => {
                let i = at(pos, t.len() + 1);
                t.truncate(i);
            }
            Mutation::Pad { segment } => {
                if let Some((_, end)) = segment_bounds(t, segment) {
                    t.insert(end, b'=');
                }
            }
            Mutation::LastChar { segment, ch } => {
                if let Some((s, end)) = segment_bounds(t, segment)
                    && end > s
                {
                    const ALPHABET: &[u8] =
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
                    t[end - 1] = ALPHABET[usize::from(ch) % 64];
                }
            }
            Mutation::StdAlphabet => {
                for b in t.iter_mut() {
                    *b = match *b {
                        b'-' => b'+',
                        b'_' => b'/',
                        other => other,
                    };
                }
            }
            Mutation::AppendDot => t.push(b'.'),
        }
    }
}

/// A structured token: header and payload JSON, a signer, then mutations.
#[derive(Arbitrary, Debug, Clone)]
pub struct TokenSpec {
    pub header: HeaderSpec,
    pub payload: PayloadSpec,
    pub sig: SigSpec,
    pub mutations: Vec<Mutation>,
}

impl TokenSpec {
    /// The assembled token, and whether it was left exactly as signed.
    pub fn build(&self) -> (Vec<u8>, bool) {
        let input = format!(
            "{}.{}",
            fixtures::b64(&self.header.render()),
            fixtures::b64(&self.payload.render())
        );
        let sig: Vec<u8> = match &self.sig {
            SigSpec::Es256(k) => fixtures::es256_sign(k.id(), input.as_bytes()).to_vec(),
            SigSpec::HighS(k) => {
                let sig = fixtures::es256_sign(k.id(), input.as_bytes());
                fixtures::flip_s(&sig).unwrap_or(sig).to_vec()
            }
            SigSpec::Hs256 => {
                fixtures::hs256_mac(&fixtures::hs256_secret(), input.as_bytes()).to_vec()
            }
            SigSpec::Hs256Wrong => fixtures::hs256_mac(&[7u8; 32], input.as_bytes()).to_vec(),
            SigSpec::Raw(b) => b.clone(),
        };
        let mut token = format!("{input}.{}", fixtures::b64(&sig)).into_bytes();
        let pristine = token.clone();
        for m in self.mutations.iter().take(3) {
            m.apply(&mut token);
        }
        let unchanged = token == pristine;
        (token, unchanged)
    }
}
