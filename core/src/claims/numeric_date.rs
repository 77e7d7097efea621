//! NumericDate (RFC 7519 §2) arithmetic: a JSON number's exact ceiling in whole seconds.
//!
//! It lives with the claims, its only reason to exist, and reaches the number through its
//! public text, so `json` never depends on `claims`.

use crate::json::Number;

// Spelled as in `json`'s own impl, so the public API listing names the method as before.
impl<'a> Number<'a> {
    /// The exact ceiling of the value as an integer, saturating at the `i64` range.
    ///
    /// Exact for every notation (`1700000000`, `1.7e9`, `1700000000.25`), with no float
    /// rounding: a NumericDate `exp` of `X.25` is still valid at second `X`.
    pub fn ceil_i64(self) -> i64 {
        ceil(self.raw())
    }
}

/// The ceiling of `raw`, a number in validated JSON grammar, saturating at the `i64` range.
fn ceil(raw: &str) -> i64 {
    let (negative, body) = match raw.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, raw),
    };
    let (mantissa, exp_text) = match body.find(['e', 'E']) {
        Some(i) => (
            body.get(..i).unwrap_or(""),
            body.get(i + 1..).unwrap_or("0"),
        ),
        None => (body, "0"),
    };
    let (int_digits, frac_digits) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    // value = digits(int ++ frac) * 10^(exp - frac.len())
    let exp =
        parse_exp(exp_text).saturating_sub(i64::try_from(frac_digits.len()).unwrap_or(i64::MAX));
    let digits = int_digits.bytes().chain(frac_digits.bytes());
    let total = int_digits.len().saturating_add(frac_digits.len());
    // Keep the digits that land left of the decimal point; remember whether any dropped
    // digit was non-zero (then the value has a fraction).
    let keep = if exp >= 0 {
        total
    } else {
        let drop = usize::try_from(exp.unsigned_abs()).unwrap_or(usize::MAX);
        total.saturating_sub(drop)
    };
    let mut magnitude: u64 = 0;
    let mut saturated = false;
    let mut fraction = false;
    for (i, d) in digits.enumerate() {
        let d = u64::from(d.wrapping_sub(b'0'));
        if i < keep {
            match magnitude.checked_mul(10).and_then(|m| m.checked_add(d)) {
                Some(m) => magnitude = m,
                None => saturated = true,
            }
        } else if d != 0 {
            fraction = true;
        }
    }
    if exp > 0 && magnitude != 0 {
        for _ in 0..exp.min(20) {
            match magnitude.checked_mul(10) {
                Some(m) => magnitude = m,
                None => {
                    saturated = true;
                    break;
                }
            }
        }
    }
    let magnitude = if saturated { u64::MAX } else { magnitude };
    if negative {
        // ceil(-x) = -floor(x): dropping the fraction moves toward zero already.
        0i64.checked_sub_unsigned(magnitude).unwrap_or(i64::MIN)
    } else {
        let up = if fraction {
            magnitude.saturating_add(1)
        } else {
            magnitude
        };
        i64::try_from(up).unwrap_or(i64::MAX)
    }
}

/// The exponent of a number's `e` part, saturating (a huge one only has to stay huge).
fn parse_exp(text: &str) -> i64 {
    let (neg, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or("")),
        Some(b'+') => (false, text.get(1..).unwrap_or("")),
        _ => (false, text),
    };
    let mut v: i64 = 0;
    for d in digits.bytes() {
        v = v
            .saturating_mul(10)
            .saturating_add(i64::from(d.wrapping_sub(b'0')));
    }
    if neg { -v } else { v }
}

#[cfg(test)]
mod tests {
    use crate::json;

    #[test]
    fn ceil_is_exact_in_every_notation() {
        let cases = [
            ("1700000000", 1_700_000_000),
            ("1700000000.0", 1_700_000_000),
            ("1700000000.25", 1_700_000_001),
            ("1.7e9", 1_700_000_000),
            ("17E8", 1_700_000_000),
            ("170000000000e-2", 1_700_000_000),
            ("170000000001e-2", 1_700_000_001),
            ("0.000001", 1),
            ("-0.5", 0),
            ("-1.5", -1),
            ("0", 0),
            ("1e400", i64::MAX),
            ("99999999999999999999999", i64::MAX),
            ("-99999999999999999999999", i64::MIN),
            ("1e-400", 1),
            ("0e400", 0),
        ];
        for (text, want) in cases {
            let n = json::parse(text.as_bytes(), 16)
                .unwrap()
                .as_number()
                .unwrap();
            assert_eq!(n.ceil_i64(), want, "{text}");
        }
    }
}
