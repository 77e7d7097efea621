#!/usr/bin/env bash
# Not yet wired into .ci/run (it runs .ci/fuzz-smoke when present): move it there once one
# full run on a clean clone has passed. FUZZ_JOBS=1 is the validated mode (7 min 48 s).
# Fuzz smoke for jwtgate: builds every cargo-fuzz target in fuzz/ and runs each for a fixed
# time (FUZZ_SECONDS, default 30) from the committed corpus. Fails on any crash, panic
# (including the targets' invariant assertions), timeout or out-of-memory. Prints one summary
# line per target with the executions reached. Needs the rustup nightly (see shared
# TOOLCHAIN.md, "Fuzzing"); installs cargo-fuzz if it is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ_DIR="$ROOT/fuzz"
FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
# Per-input time limit: anything slower is a denial-of-service bug.
FUZZ_TIMEOUT="${FUZZ_TIMEOUT:-10}"
export CARGO_TERM_COLOR=never

cd "$FUZZ_DIR"

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "installing the rustup nightly toolchain"
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi
rustup run nightly rustc --version
cargo fuzz --version

# Debug assertions on (integer overflow checks included). No sanitizer by default: the core
# is `#![forbid(unsafe_code)]`, and without ASan the build is shorter and each target runs
# 2-3x more inputs in its 30 s. FUZZ_SANITIZER=address brings it back (the long local runs in
# fuzz/README.md use it).
BUILD_FLAGS=(--debug-assertions --sanitizer "${FUZZ_SANITIZER:-none}")

mapfile -t TARGETS < <(cargo +nightly fuzz list)
if [[ ${#TARGETS[@]} == 0 ]]; then
    echo "no fuzz targets found" >&2
    exit 1
fi

start=$(date +%s)
echo "building ${#TARGETS[@]} fuzz targets: ${TARGETS[*]}"
cargo +nightly fuzz build "${BUILD_FLAGS[@]}"
echo "build took $(($(date +%s) - start)) s"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Runs one target; writes its summary line to $WORK/<target>.line and its exit status to
# $WORK/<target>.status.
run_target() {
    local t=$1 log="$WORK/$1.log" t0 status=0 runs cov
    t0=$(date +%s)
    mkdir -p "$WORK/corpus/$t" "corpus/$t"
    # New inputs go to a scratch directory; the committed corpus is only read.
    cargo +nightly fuzz run "${BUILD_FLAGS[@]}" "$t" "$WORK/corpus/$t" "corpus/$t" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -n 1 || true)
    cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -n 1 | grep -Eo '[0-9]+' || true)
    printf '%-20s %-4s %12s execs  cov %6s  %4d s\n' "$t" \
        "$([[ $status == 0 ]] && echo ok || echo FAIL)" "${runs:-?}" "${cov:-?}" \
        "$(($(date +%s) - t0))" >"$WORK/$t.line"
    echo "$status" >"$WORK/$t.status"
    cat "$WORK/$t.line"
}

# libFuzzer is single-threaded: run FUZZ_JOBS targets at a time (default: one per core, at
# most 2), so a 2-core CI machine gives every target its full FUZZ_SECONDS on a core of its
# own in half the wall time. Use FUZZ_JOBS=1 on a machine shared with benchmarks.
JOBS="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}"
((JOBS > 2)) && JOBS=2
((JOBS < 1)) && JOBS=1
echo "running each target for ${FUZZ_SECONDS} s, ${JOBS} at a time"
for ((lane = 0; lane < JOBS; lane++)); do
    (
        for ((i = lane; i < ${#TARGETS[@]}; i += JOBS)); do
            run_target "${TARGETS[$i]}"
        done
    ) &
done
wait

failed=()
summary=()
for t in "${TARGETS[@]}"; do
    summary+=("$(cat "$WORK/$t.line" 2>/dev/null || echo "$t: no result")")
    status=$(cat "$WORK/$t.status" 2>/dev/null || echo 1)
    if [[ $status != 0 ]]; then
        failed+=("$t")
        echo "---- $t failed (exit $status); last lines of its log:" >&2
        tail -n 60 "$WORK/$t.log" >&2 || true
        ls -l "artifacts/$t" >&2 2>/dev/null || true
    fi
done

echo
echo "fuzz smoke summary (${FUZZ_SECONDS} s per target, $(($(date +%s) - start)) s in all):"
printf '%s\n' "${summary[@]}"
if [[ ${#failed[@]} != 0 ]]; then
    echo "fuzz smoke FAILED: ${failed[*]} (reproduce: cd fuzz && cargo +nightly fuzz run -a TARGET artifacts/TARGET/<file>)" >&2
    exit 1
fi
echo "fuzz smoke passed"
