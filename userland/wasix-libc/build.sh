#!/usr/bin/env bash
# Rebuilds our wasix-libc test programs (*.c here → bin/<name>.wasm, committed) against a
# sysroot of the real wasix-libc, with the flags and the asyncify step the WASIX
# toolchain uses: atomics, an imported shared memory, exported stack/TLS globals and
# __wasm_signal, then Binaryen's asyncify over the stack-switching imports (fork, setjmp).
#
#     userland/wasix-libc/build.sh SYSROOT        (or WASIX_SYSROOT=... build.sh)
#
# The committed binaries were built from wasix-org/wasix-libc commit
# 34178a6272804f90448b5bd08dc7bcf0d85438e3 (see README.md) with Debian 12's clang-19,
# lld-19, llvm-19, libclang-rt-19-dev-wasm32 and binaryen 108. The sysroot:
#
#     git clone https://github.com/wasix-org/wasix-libc && cd wasix-libc
#     git checkout 34178a6272804f90448b5bd08dc7bcf0d85438e3
#     make -j2 CC=clang-19 AR=llvm-ar-19 NM=llvm-nm-19 CHECK_SYMBOLS=no \
#         TARGET_ARCH=wasm32 TARGET_OS=wasix PIC=no       # → ./sysroot
#
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
exports=""
for sym in __heap_base __stack_pointer __data_end __wasm_init_tls __wasm_signal __tls_size \
    __tls_align __tls_base; do
    exports="$exports,--export=$sym"
done
asyncify_imports="wasix_32v1.proc_fork,wasix_32v1.stack_checkpoint,wasix_32v1.stack_restore"
mkdir -p "$here/bin"
for src in "$here"/*.c; do
    name="$(basename "$src" .c)"
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
        "$tmp" -o "$here/bin/$name.wasm"
    rm -f "$tmp"
done
