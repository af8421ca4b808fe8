#!/usr/bin/env bash
# Rebuilds the WASIX test programs (*.c here → bin/<name>.wasm, committed) the way
# wasix-libc builds real WASIX binaries: atomics and bulk memory, an imported shared
# memory, exported stack globals, then Binaryen's asyncify over the stack-switching
# imports (fork, setjmp). No libc: rt.h is the whole runtime.
#
# Needs clang + lld with the wasm32 target and binaryen's wasm-opt
# (apt-get install clang lld binaryen). CI uses the committed .wasm files.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$here/bin"
asyncify_imports="wasix_32v1.proc_fork,wasix_32v1.stack_checkpoint,wasix_32v1.stack_restore"
for src in "$here"/*.c; do
    name="$(basename "$src" .c)"
    tmp="$(mktemp --suffix=.wasm)"
    clang --target=wasm32 -O2 -Wall -Wextra -nostdlib -matomics -mbulk-memory -mmutable-globals \
        -Wl,--shared-memory,--import-memory,--max-memory=67108864 \
        -Wl,--export=__stack_pointer,--export=__data_end,--export=__heap_base \
        -Wl,--no-entry -Wl,--strip-debug -o "$tmp" "$src"
    wasm-opt -O2 --enable-threads --enable-bulk-memory --enable-mutable-globals --enable-sign-ext \
        --asyncify --pass-arg="asyncify-imports@$asyncify_imports" "$tmp" -o "$here/bin/$name.wasm"
    rm -f "$tmp"
done
