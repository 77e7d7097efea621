//! An example Worker: `/api/*` needs a valid bearer token and echoes its claims; `/health`
//! is open and reports the isolate's cache counters (the end-to-end test reads them).

use jwtgate_worker::Guard;
use worker::{Context, Env, Request, Response, Result, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    let guard = Guard::from_env(&env).map_err(|e| worker::Error::RustError(e.to_string()))?;
    if req.path() == "/health" {
        let c = guard.counters();
        return Response::ok(format!(
            "{{\"fetches_ok\":{},\"fetches_failed\":{},\"stale_serves\":{},\"hits\":{},\"misses\":{},\"unknown_kid_refreshes\":{},\"cooldown_rejections\":{}}}",
            c.fetches_ok,
            c.fetches_failed,
            c.stale_serves,
            c.hits,
            c.misses,
            c.unknown_kid_refreshes,
            c.cooldown_rejections
        ));
    }
    guard
        .guard(req, |_req, claims| async move {
            // The handler gets the verified claims: sub, role and the raw payload.
            let mut body = String::from("{\"sub\":");
            push_str(&mut body, claims.sub.as_deref());
            body.push_str(",\"role\":");
            push_str(&mut body, claims.role.as_deref());
            body.push_str(",\"claims\":");
            body.push_str(&claims.payload);
            body.push('}');
            let mut response = Response::ok(body)?;
            response
                .headers_mut()
                .set("content-type", "application/json")?;
            Ok(response)
        })
        .await
}

/// A JSON string or `null`; a verified `sub` or `role` is JSON text already decoded, so it
/// is escaped again here.
fn push_str(out: &mut String, s: Option<&str>) {
    let Some(s) = s else {
        out.push_str("null");
        return;
    };
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}
