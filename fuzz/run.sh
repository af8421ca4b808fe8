#!/usr/bin/env bash
# Builds every fuzz target of crates/fuzzing with cargo-fuzz (installing it if missing) and
# runs each for SECONDS (default 30), one after the other, starting from the saved
# regressions. Prints, per target, the executions reached, executions per second and
# whether it crashed; exits 1 if any target crashed. Crashing inputs land in
# fuzz/artifacts/<target>/: minimise one with
#   cargo fuzz tmin <target> fuzz/artifacts/<target>/crash-...
# fix the bug, and copy the input to crates/fuzzing/regressions/<target>/ so that
# `cargo test -p fuzzing` replays it from then on.
#
# Usage: fuzz/run.sh [SECONDS] [TARGET...]
# Environment: CARGO_TARGET_DIR (build directory; default fuzz/target), FUZZ_ARGS (extra
# libFuzzer flags, e.g. "-jobs=2 -workers=2"), FUZZ_SANITIZER (default none: every crate of
# ours forbids unsafe code, and without AddressSanitizer the targets run ~3x faster; set
# it to address to check the unsafe code inside wasmi and tar-no-std too).
set -euo pipefail
cd "$(dirname "$0")"

seconds="${1:-30}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(vfs_ops rootfs module_load wasi_call lower spawn_args fd_actions)

if ! command -v cargo-fuzz >/dev/null; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked
fi

target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
# --release: no blanket -Cdebug-assertions from cargo-fuzz; debug assertions and overflow
# checks come from fuzz/Cargo.toml's release profile instead (all crates but wasmi).
build_flags=(--target-dir "$target_dir" --release --sanitizer "${FUZZ_SANITIZER:-none}")

echo "== building ${targets[*]}"
if [ ${#targets[@]} -eq 7 ]; then
    cargo fuzz build "${build_flags[@]}"
else
    for t in "${targets[@]}"; do cargo fuzz build "${build_flags[@]}" "$t"; done
fi

mkdir -p logs
summary=()
failed=0
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "artifacts/$t"
    seeds=()
    [ -d "../crates/fuzzing/regressions/$t" ] && seeds=("../crates/fuzzing/regressions/$t")
    echo "== $t: ${seconds}s"
    set +e
    cargo fuzz run "${build_flags[@]}" "$t" "corpus/$t" "${seeds[@]}" -- \
        -max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=4096 \
        ${FUZZ_ARGS:-} >"logs/$t.log" 2>&1
    rc=$?
    set -e
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | awk '{s+=$2} END {print s+0}')
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "logs/$t.log" | awk '{s+=$2} END {print s+0}')
    if [ "$rc" -eq 0 ]; then
        result="ok"
    else
        failed=1
        artifact=$(grep -o 'Test unit written to [^ ]*' "logs/$t.log" | tail -1 | sed 's/Test unit written to //')
        result="CRASHED (exit $rc) ${artifact:-see fuzz/logs/$t.log}"
        grep -m1 -A3 "panicked at" "logs/$t.log" || tail -20 "logs/$t.log"
    fi
    summary+=("$(printf '%-12s %12s execs %8s exec/s  %s' "$t" "$execs" "$rate" "$result")")
done

echo "== summary (${seconds}s per target; logs in fuzz/logs/)"
printf '%s\n' "${summary[@]}"
exit "$failed"
