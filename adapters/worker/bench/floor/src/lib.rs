//! The benchmark's floor: the cost of a workers-rs Worker itself. It reads the request's
//! `Authorization` header (as the guard does) and answers `{}`, without jwtgate, so
//! `.ci/worker-bench` can show how much of a request is the framework's in the same run.

use worker::{Context, Env, Request, Response, Result, event};

#[event(fetch)]
async fn fetch(req: Request, _env: Env, _ctx: Context) -> Result<Response> {
    let _authorization = req.headers().get("authorization")?;
    Response::ok("{}")
}
