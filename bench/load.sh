#!/usr/bin/env bash
# Load benchmark of `jwtgate serve`, measured the way the anchor was: the server pinned to
# core 0, `wrk -t2 -c64 -d15s --latency` pinned to core 1, all on 127.0.0.1.
#
#   bench/load.sh            # both runs: one repeated token, then distinct tokens
#   DURATION=30s bench/load.sh
#
# Anchor (same machine, same method): axum 0.7 + jwt-authorizer 0.15 (jsonwebtoken 9, ring):
# ~11,400 requests/s, p50 5.7 ms, p99 6.7 ms. Goals: >= 1.5x with distinct tokens, >= 3x with
# a repeated token, p99 no worse.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-15s}"
TOKENS="${TOKENS:-20000}"
PORT="${PORT:-18480}"
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }

cargo build --release -q -p jwtgate-cli
BIN="${CARGO_TARGET_DIR:-target}/release/jwtgate"
WORK="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# Development-issuer mode: keys come from the built-in issuer, fetched once and then cached.
taskset -c 0 "$BIN" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

echo "minting $TOKENS distinct tokens..."
for _ in $(seq "$TOKENS"); do curl -s "http://127.0.0.1:$PORT/dev/token"; done >"$WORK/tokens.txt"
TOKEN="$(head -n1 "$WORK/tokens.txt")"
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/auth" >/dev/null

cat >"$WORK/distinct.lua" <<LUA
local tokens = {}
for line in io.lines("$WORK/tokens.txt") do tokens[#tokens + 1] = line end
local i = 0
request = function()
  i = (i % #tokens) + 1
  return wrk.format("GET", "/auth", { ["Authorization"] = "Bearer " .. tokens[i] })
end
LUA

run() {
    echo
    echo "== $1 =="
    shift
    taskset -c 1 wrk -t2 -c64 -d"$DURATION" --latency "$@" "http://127.0.0.1:$PORT/auth" | grep -E "Requests/sec|Non-2xx|50%|99%|Latency  "
}
run "one repeated token" -H "Authorization: Bearer $TOKEN"
run "distinct tokens ($TOKENS)" -s "$WORK/distinct.lua"
echo
echo "server: $(grep -c . "$WORK/serve.log") log lines; metrics:"
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^jwtgate_(verifications_total\{code="ok"|jwks_fetches_total)'
