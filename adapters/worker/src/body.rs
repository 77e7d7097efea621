//! The catalog's JSON answer for a rejected request, written by hand: serde_json would cost
//! the wasm tens of kilobytes for one fixed shape.

use jwtgate::Error;

/// The JSON body jwtgate answers a rejected token with: the same bytes as jwtgate-std's
/// `error_body` and `jwtgate verify`,
/// `{"valid":false,"code":…,"status":…,"retryable":…,"message":…}`.
pub fn error_body(error: Error) -> String {
    let mut out = String::with_capacity(160);
    out.push_str(r#"{"valid":false,"code":"#);
    push_json_str(&mut out, error.code());
    out.push_str(r#","status":"#);
    out.push_str(&error.http_status().to_string());
    out.push_str(r#","retryable":"#);
    out.push_str(if error.retryable() { "true" } else { "false" });
    out.push_str(r#","message":"#);
    push_json_str(&mut out, error.message());
    out.push('}');
    out
}

/// `s` as a JSON string (RFC 8259 escapes; the catalog's texts need only the quote rules).
fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                out.push_str("\\u00");
                out.push(char::from_digit(u32::from(c) >> 4, 16).unwrap_or('0'));
                out.push(char::from_digit(u32::from(c) & 0xf, 16).unwrap_or('0'));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The `Retry-After` seconds of an answer: the failure cooldown for a retryable error (the
/// earliest a new fetch can start), at least 1; none for the token's own faults.
pub fn retry_after(error: Error, failure_cooldown: u64) -> Option<u64> {
    error.retryable().then_some(failure_cooldown.max(1))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn every_code_gives_the_std_adapters_body() {
        for e in Error::ALL {
            let body = error_body(e);
            let expected = format!(
                r#"{{"valid":false,"code":"{}","status":{},"retryable":{},"message":"{}"}}"#,
                e.code(),
                e.http_status(),
                e.retryable(),
                e.message()
            );
            assert_eq!(body, expected);
        }
        assert_eq!(
            error_body(Error::JwksFetchFailed),
            r#"{"valid":false,"code":"ERR_AUTH_JWKS_FETCH_FAILED","status":503,"retryable":true,"message":"Authentication service is temporarily unavailable."}"#
        );
    }

    #[test]
    fn escapes_what_json_requires() {
        let mut out = String::new();
        push_json_str(&mut out, "a\"b\\c\nd\u{1}é");
        assert_eq!(out, r#""a\"b\\c\u000ad\u0001é""#);
    }

    #[test]
    fn retry_after_only_for_retryable_errors() {
        assert_eq!(retry_after(Error::JwksFetchFailed, 5), Some(5));
        assert_eq!(retry_after(Error::JwksInvalid, 0), Some(1));
        assert_eq!(retry_after(Error::TokenExpired, 5), None);
    }
}
