#!/usr/bin/env bash
# Builds the C guests with clang and Debian's wasi-libc: every *.c here becomes
# OUTDIR/<name>.wasm (OUTDIR defaults to ../out, relative to this script).
#
# clang links compiler-rt's wasm32 builtins (Debian package libclang-rt-14-dev-wasm32).
# When they are not installed, the same builtins are taken from the Rust toolchain's
# wasm32-wasip1 compiler_builtins archive instead, so no extra system package is needed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
outdir="${1:-$here/../out}"
mkdir -p "$outdir"

cflags=(--target=wasm32-wasi -O2 -Wall -Wextra -Wl,--strip-all)
libs=()
if [[ ! -f "$(clang --target=wasm32-wasi -print-libgcc-file-name)" ]]; then
    sysroot="$(cd "$here" && rustc --print sysroot)"
    builtins=("$sysroot"/lib/rustlib/wasm32-wasip1/lib/libcompiler_builtins-*.rlib)
    cflags+=(-nodefaultlibs)
    libs=(-lc "${builtins[0]}")
fi

# Build to a private name, then rename: tests run several builds into one OUTDIR at once,
# and clang (which also runs binaryen's wasm-opt over its output when it is installed)
# must never read a file another build is writing.
for src in "$here"/*.c; do
    out="$outdir/$(basename "$src" .c).wasm"
    tmp="$outdir/.$(basename "$src" .c).wasm.$$"
    clang "${cflags[@]}" -o "$tmp" "$src" "${libs[@]}"
    mv -f "$tmp" "$out"
done
