#!/usr/bin/env bash
# Load benchmark of `jwtgate serve` against a baseline measured in the same run, the way the
# issue's anchor was: each server pinned to core 0, `wrk -t2 -c64 -d15s --latency` pinned to
# core 1, all on 127.0.0.1.
#
#   benches/load.sh                 # 3 rounds: both servers, one repeated token and distinct tokens
#   ROUNDS=5 benches/load.sh        # as recorded in the README
#
# Each round runs all four measurements back to back, and the figures are each one's median
# over the rounds: on a shared machine the speed drifts by 20-30% over minutes, and
# interleaving keeps both servers under the same drift.
#
# Baseline: benches/anchor, the issue's anchor rebuilt: axum 0.7 + jwt-authorizer 0.15
# (jsonwebtoken 9, ring), recorded there at ~11,400 requests/s, p50 5.7 ms, p99 6.7 ms. Both
# servers fetch their keys from jwtgate's development issuer and verify the same ES256 tokens
# (Supabase-shaped claims; `iss`, `aud` and `exp` checked). Goals: >= 1.5x the baseline's
# requests/s with distinct tokens (so the verified-token cache cannot help), >= 3x with one
# repeated token, p99 no worse.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-15s}"
ROUNDS="${ROUNDS:-3}"
TOKENS="${TOKENS:-20000}"
PORT="${PORT:-18480}"
ANCHOR_PORT="${ANCHOR_PORT:-18481}"
command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }

cargo build --release -q -p jwtgate-cli
cargo build --release -q --locked --manifest-path benches/anchor/Cargo.toml
BIN="${CARGO_TARGET_DIR:-target}/release/jwtgate"
ANCHOR="${CARGO_TARGET_DIR:-benches/anchor/target}/release/jwtgate-load-anchor"
WORK="$(mktemp -d)"
SERVER=
BASELINE=
trap 'kill $SERVER $BASELINE 2>/dev/null || true; rm -rf "$WORK"' EXIT

wait_for() {
    for _ in $(seq 100); do
        grep -q '^listening on' "$1" 2>/dev/null && return
        sleep 0.1
    done
    echo "server did not start: $(cat "$1")" >&2
    exit 1
}

# In milliseconds, from wrk's "123.45us" / "5.70ms" / "1.02s".
to_ms() {
    awk '{ v = $1; if (v ~ /us$/) print v / 1000; else if (v ~ /ms$/) print v + 0; else print v * 1000 }' <<<"$1"
}

# run NAME URL [wrk args...]: one wrk run; prints a line and appends "rps p50 p99" to $WORK/NAME.
run() {
    local name=$1 url=$2 out
    shift 2
    out="$(taskset -c 1 wrk -t2 -c64 -d"$DURATION" --latency "$@" "$url")"
    local rps p50 p99
    rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
    # Every response must be a 200 and every connection must hold up, or the run is void.
    if grep -qE 'Non-2xx|Socket errors' <<<"$out" || ! awk -v r="${rps:-0}" 'BEGIN { exit !(r > 0) }'; then
        echo "$name: errors, non-200 responses or no requests:" >&2
        echo "$out" >&2
        exit 1
    fi
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
    echo "$rps $p50 $p99" >>"$WORK/$name"
    printf '  %-30s %8.0f req/s   p50 %6.2f ms   p99 %6.2f ms\n' "$name" "$rps" "$p50" "$p99"
}

# median NAME COLUMN: the median of one column of a measurement's rounds.
median() {
    cut -d' ' -f"$2" "$WORK/$1" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# --- jwtgate serve, development issuer (keys fetched once, then cached) ---------------------
taskset -c 0 "$BIN" serve --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
wait_for "$WORK/serve.log"
JWKS_URL=$(awk '$1 == "JWKS" { print $2 }' "$WORK/serve.log")
ISSUER=$(awk '$1 == "issuer" { print $2 }' "$WORK/serve.log")

echo "minting $TOKENS distinct tokens..."
for _ in $(seq "$TOKENS"); do echo "url = \"http://127.0.0.1:$PORT/dev/token\""; done >"$WORK/mint.curl"
curl -sf -K "$WORK/mint.curl" >"$WORK/tokens.txt"
[[ $(sort -u "$WORK/tokens.txt" | wc -l) == "$TOKENS" ]] || { echo "tokens are not distinct" >&2; exit 1; }
TOKEN="$(head -n1 "$WORK/tokens.txt")"
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/auth" >/dev/null

# Each wrk thread starts half the list away from the other, so they never send the same
# token within the token cache's reach (256 entries).
cat >"$WORK/distinct.lua" <<LUA
local threads = 0
function setup(thread)
  thread:set("first", threads)
  threads = threads + 1
end
local tokens = {}
for line in io.lines("$WORK/tokens.txt") do tokens[#tokens + 1] = line end
local i = nil
request = function()
  i = ((i or first * math.floor(#tokens / 2)) % #tokens) + 1
  return wrk.format("GET", "/auth", { ["Authorization"] = "Bearer " .. tokens[i] })
end
LUA

# --- the baseline, same issuer and tokens ----------------------------------------------------
taskset -c 0 "$ANCHOR" "127.0.0.1:$ANCHOR_PORT" "$JWKS_URL" "$ISSUER" >"$WORK/anchor.log" 2>&1 &
BASELINE=$!
wait_for "$WORK/anchor.log"
curl -sf -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$ANCHOR_PORT/auth" >/dev/null ||
    { echo "the baseline rejects the token" >&2; exit 1; }

echo
echo "$(date -u +%F), $(nproc) cores,$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
echo "wrk -t2 -c64 -d$DURATION --latency, both servers on core 0 (one idle at a time), wrk on core 1"
for round in $(seq "$ROUNDS"); do
    echo "round $round of $ROUNDS:"
    run "jwtgate, one repeated token" "http://127.0.0.1:$PORT/auth" -H "Authorization: Bearer $TOKEN"
    run "baseline, one repeated token" "http://127.0.0.1:$ANCHOR_PORT/auth" -H "Authorization: Bearer $TOKEN"
    run "jwtgate, distinct tokens" "http://127.0.0.1:$PORT/auth" -s "$WORK/distinct.lua"
    run "baseline, distinct tokens" "http://127.0.0.1:$ANCHOR_PORT/auth" -s "$WORK/distinct.lua"
done
echo "jwtgate's counters (token-cache hits: the repeated-token runs; misses: the distinct ones):"
curl -s "http://127.0.0.1:$PORT/metrics" |
    grep -E '^jwtgate_(verifications_total\{code="ok"|jwks_fetches_total|(jwks|token)_cache_(hits|misses)_total)' |
    sed 's/^/    /'

echo
echo "medians of $ROUNDS rounds                 requests/s        p50        p99"
for name in "jwtgate, one repeated token" "baseline, one repeated token" \
    "jwtgate, distinct tokens" "baseline, distinct tokens"; do
    printf '  %-30s %10.0f  %6.2f ms  %6.2f ms\n' "$name" "$(median "$name" 1)" \
        "$(median "$name" 2)" "$(median "$name" 3)"
done
echo "jwtgate / baseline (goals: >= 3x repeated, >= 1.5x distinct, p99 no worse):"
for workload in "one repeated token" "distinct tokens"; do
    awk -v w="$workload" -v jr="$(median "jwtgate, $workload" 1)" -v br="$(median "baseline, $workload" 1)" \
        -v jp="$(median "jwtgate, $workload" 3)" -v bp="$(median "baseline, $workload" 3)" \
        'BEGIN { printf "  %-20s %5.2fx requests/s   p99 %.2f ms vs %.2f ms\n", w, jr / br, jp, bp }'
done
