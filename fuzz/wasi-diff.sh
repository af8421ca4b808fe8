#!/usr/bin/env bash
# The long mode of the differential conformance test (tests/tests/run.rs,
# `seeded_wasi_call_sequence_matches_wasmtime`, which runs one fixed seed in CI): runs the
# `wasi-diff SEED COUNT` guest for every seed in FIRST..LAST in the kernel (`boot run
# --direct`) and under wasmtime 50.0.1 (userland/tools/wasmtime_run.py), each on a fresh
# empty directory, and compares the two outputs line by line. Prints the first differing
# lines of each seed that differs, and a summary: sequences and calls compared,
# sequences that differed. Differing outputs are kept in OUT (default
# fuzz/artifacts/wasi-diff/) as SEED.ours, SEED.wasmtime, with each side's stderr and exit
# status in SEED.ours.err, SEED.wasmtime.err (a run that failed to boot shows there, and
# is worth retrying alone before it is taken for a difference). Exits 1 if any seed
# differed.
#
# Usage: fuzz/wasi-diff.sh [FIRST [LAST [COUNT]]]   (default 1 200 1500)
# Requires the kernel's build prerequisites and `pip install wasmtime==50.0.1`.
set -euo pipefail
cd "$(dirname "$0")/.."

first="${1:-1}"
last="${2:-200}"
count="${3:-1500}"
out="${OUT:-fuzz/artifacts/wasi-diff}"

cargo build -q -p boot
boot=target/debug/boot
(cd userland && cargo build -q --release --target wasm32-wasip1 --bin wasi-diff)
wasm=userland/target/wasm32-wasip1/release/wasi-diff.wasm
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

sequences=0
calls=0
differed=0
for seed in $(seq "$first" "$last"); do
    mkdir -p "$tmp/ours" "$tmp/ref"
    status=0
    "$boot" run --direct --dir "$tmp/ours::/sandbox" "$wasm" "$seed" "$count" \
        >"$tmp/ours.txt" 2>"$tmp/ours.err" || status=$?
    echo "exit status $status" >>"$tmp/ours.err"
    status=0
    python3 userland/tools/wasmtime_run.py --dir "$tmp/ref::/sandbox" "$wasm" "$seed" "$count" \
        >"$tmp/ref.txt" 2>"$tmp/ref.err" || status=$?
    echo "exit status $status" >>"$tmp/ref.err"
    sequences=$((sequences + 1))
    calls=$((calls + $(wc -l <"$tmp/ref.txt") - 1))
    if ! cmp -s "$tmp/ours.txt" "$tmp/ref.txt"; then
        differed=$((differed + 1))
        mkdir -p "$out"
        cp "$tmp/ours.txt" "$out/$seed.ours"
        cp "$tmp/ref.txt" "$out/$seed.wasmtime"
        cp "$tmp/ours.err" "$out/$seed.ours.err"
        cp "$tmp/ref.err" "$out/$seed.wasmtime.err"
        echo "== seed $seed differs (< ours, > wasmtime):"
        diff "$tmp/ours.txt" "$tmp/ref.txt" | head -6 || true
    fi
    rm -rf "$tmp/ours" "$tmp/ref"
    if [ $((sequences % 20)) -eq 0 ]; then
        echo "… $sequences sequences (seeds $first..$seed), $calls calls, $differed differed"
    fi
done
echo "wasi-diff: $sequences sequences, $calls calls compared, $differed sequences differed"
[ "$differed" -eq 0 ]
