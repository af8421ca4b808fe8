#!/usr/bin/env bash
# Runs every guest program and test case under wasmtime (tools/wasmtime_run.py) and
# prints one transcript: for each case its command line, stdout, stderr and exit status.
# The transcript is deterministic, so it can be diffed against a second run or against
# the kernel's output for the same cases.
#
#     userland/tools/reference.sh [WASMDIR]    (default: userland/out, see ../build.sh)
#
# Every case sees a host directory preopened as /tmp (emptied by fresh_tmp, so the
# `fsops` steps on /tmp build on each other) and a small fixture tree preopened as /data
# (see make_fixture). Output lacking a final newline is marked `\ no newline at end`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
wasmdir="$(cd "${1:-$here/../out}" && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

make_fixture() {
    rm -rf "$scratch/data" && mkdir -p "$scratch/data/sub"
    printf 'hello\n' >"$scratch/data/a.txt"
    printf 'second file\n' >"$scratch/data/b.txt"
    printf 'hidden\n' >"$scratch/data/.dot"
    printf 'nested\n' >"$scratch/data/sub/n.txt"
    ln -s a.txt "$scratch/data/link"
}

fresh_tmp() {
    rm -rf "$scratch/tmp" && mkdir "$scratch/tmp"
}

# show FILE: prints FILE, marking a missing final newline.
show() {
    cat "$1"
    if [[ -s "$1" && "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" != '\n' ]]; then
        printf '\n\\ no newline at end\n'
    fi
}

# case_ STDIN PROGRAM [ARGS]...: runs one case and prints its transcript.
case_() {
    local input="$1" program="$2"
    shift 2
    echo "=== $program $*"
    set +e
    printf '%s' "$input" | python3 "$here/wasmtime_run.py" \
        --dir "$scratch/tmp::/tmp" --dir "$scratch/data::/data" --env GREETING=hi \
        "$wasmdir/$program.wasm" "$@" >"$scratch/stdout" 2>"$scratch/stderr"
    local status=$?
    set -e
    echo "--- stdout"
    show "$scratch/stdout"
    echo "--- stderr"
    show "$scratch/stderr"
    echo "--- exit $status"
}

make_fixture
fresh_tmp
case_ "" hello
case_ "" echo a "b  c" d
case_ "" echo -n no newline
case_ "" echo
case_ "" cat /data/a.txt /data/b.txt
case_ "from stdin" cat
case_ "from stdin" cat /data/a.txt - /data/missing /data/b.txt
case_ "" ls /data
case_ "" ls -a /data
case_ "" ls -l /data
case_ "" ls -la /data /data/sub /data/a.txt /data/missing
for op in "stat /data/a.txt" "stat /data/sub" "stat /data/link" "read /data/link" \
    "readlink /data/link" "ls /data" "read /data/missing" "write /tmp/x.txt hello" \
    "read /tmp/x.txt" "mkdir /tmp/d" "mkdir /tmp/d" "ln -s x.txt /tmp/l" "read /tmp/l" \
    "mv /tmp/x.txt /tmp/y.txt" "read /tmp/l" "ls /tmp" "rm /tmp/d" "rm /tmp/l" "rm /tmp/y.txt" \
    "rm /tmp/nothing" "ls /tmp" "bogus"; do
    # shellcheck disable=SC2086  # split the operation into its words
    case_ "" fsops $op
done
case_ "" wasi-test args "x y" "" z
case_ "" wasi-test env
for c in files dirs symlinks; do
    fresh_tmp
    case_ "" wasi-test "$c" /tmp
done
for c in clock random sleep; do
    case_ "" wasi-test "$c"
done
case_ "" wasi-test stdin
case_ "some input bytes" wasi-test stdin
for code in 0 1 42 125; do
    case_ "" wasi-test exit "$code"
done
for kind in unreachable oob stack div0 panic; do
    case_ "" wasi-test trap "$kind"
done
case_ "" wasi-test bogus
case_ "" hello_c
case_ "" hello_c 3 "two words"
for c in files dirs; do
    fresh_tmp
    case_ "" ctest "$c" /tmp
done
case_ "" ctest clock
case_ "abc" ctest stdin
for c in div0 oob; do
    case_ "" ctest "$c"
done
