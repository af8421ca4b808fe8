#!/usr/bin/env bash
# Rebuilds the two committed builds of cmark.c (our CoreMark-style benchmark) that `bench`
# compares in one run:
#
#   bin/cmark-wasi.wasm   Debian's wasi-libc, plain WASI (as userland/c/build.sh builds)
#   bin/cmark-wasix.wasm  wasix-libc, built as the WASIX toolchain builds programs
#                         (-matomics, an imported shared memory, the asyncify step), so
#                         the kernel lowers its shared memory and atomics at load
#
#     userland/cmark/build.sh WASIX_SYSROOT       (or WASIX_SYSROOT=... build.sh)
#
# Same compiler (clang-19), same -O2, same source; only the libc and the WASIX flags
# differ. The sysroot recipe and the Debian packages (clang-19 lld-19 llvm-19
# libclang-rt-19-dev-wasm32 binaryen wasi-libc) are in ../wasix-libc/build.sh; the
# committed binaries were built from wasix-org/wasix-libc commit
# 34178a6272804f90448b5bd08dc7bcf0d85438e3 and Debian 12's wasi-libc 0.0~git20220510.9886d3d-2.
# CI uses the committed .wasm files (it can neither fetch nor build wasix-libc).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
sysroot="${1:-${WASIX_SYSROOT:-}}"
if [ -z "$sysroot" ] || [ ! -f "$sysroot/lib/wasm32-wasi/libc.a" ]; then
    echo "usage: $0 WASIX_LIBC_SYSROOT (a directory holding lib/wasm32-wasi/libc.a)" >&2
    exit 2
fi
cc="${CC:-clang-19}"
rt="${CLANG_RT:-/usr/lib/llvm-19/lib/clang/19/lib/wasi}"
src="$here/cmark.c"
mkdir -p "$here/bin"

# wasi-libc: Debian's headers and libraries (/usr/include/wasm32-wasi, /usr/lib/wasm32-wasi).
"$cc" --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Wl,--strip-all \
    -nodefaultlibs -lc -L"$rt" -lclang_rt.builtins-wasm32 \
    -o "$here/bin/cmark-wasi.wasm" "$src"

# wasix-libc: the flags of ../wasix-libc/build.sh.
exports=""
for sym in __heap_base __stack_pointer __data_end __wasm_init_tls __wasm_signal __tls_size \
    __tls_align __tls_base; do
    exports="$exports,--export=$sym"
done
asyncify_imports="wasix_32v1.proc_fork,wasix_32v1.stack_checkpoint,wasix_32v1.stack_restore"
tmp="$(mktemp --suffix=.wasm)"
"$cc" --target=wasm32-wasi --sysroot="$sysroot" -O2 -Wall -Wextra \
    -matomics -mbulk-memory -mmutable-globals -pthread -ftls-model=local-exec \
    -D_WASI_EMULATED_MMAN -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_PROCESS_CLOCKS \
    -D_WASI_EMULATED_GETPID \
    -Wl,--shared-memory,--import-memory,--max-memory=4294967296 "-Wl${exports}" \
    -Wl,--strip-debug -nodefaultlibs -lc -L"$rt" -lclang_rt.builtins-wasm32 \
    -o "$tmp" "$src"
wasm-opt -O2 --enable-threads --enable-bulk-memory --enable-mutable-globals \
    --enable-sign-ext --asyncify --pass-arg="asyncify-imports@$asyncify_imports" \
    "$tmp" -o "$here/bin/cmark-wasix.wasm"
rm -f "$tmp"
