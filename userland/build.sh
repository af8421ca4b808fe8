#!/usr/bin/env bash
# Builds every guest program — the Rust ones (cargo, wasm32-wasip1, release) and the C
# ones (c/build.sh) — and copies their .wasm files, the prebuilt WASIX test programs
# (wasix-c/bin, wasix-libc/bin) and the two prebuilt builds of the cmark benchmark
# (cmark/bin) into OUTDIR (default: userland/out).
# Works from any current directory.
#
#     userland/build.sh [OUTDIR]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
outdir="$(mkdir -p "${1:-$here/out}" && cd "${1:-$here/out}" && pwd)"

(cd "$here" && cargo build --release --quiet --target wasm32-wasip1)
# Copy-then-rename: tests run several builds at once into one OUTDIR, and two `cp`s
# creating the same file race ("File exists").
for f in "$here"/target/wasm32-wasip1/release/*.wasm; do
    tmp="$outdir/.$(basename "$f").$$"
    cp "$f" "$tmp"
    mv -f "$tmp" "$outdir/$(basename "$f")"
done
# The applets of box.wasm (src/bin/box/main.rs: each `"NAME": "../NAME/main.rs" => …`
# line), for the boot tool, which links /bin/NAME to /bin/box in the image.
tmp="$outdir/.box.applets.$$"
sed -n 's|^    "\([a-z0-9]*\)": "\.\./\1/main\.rs" => .*|\1|p' "$here/src/bin/box/main.rs" > "$tmp"
mv -f "$tmp" "$outdir/box.applets"
# The WASIX test programs are committed prebuilt (their build needs binaryen's wasm-opt:
# wasix-c/build.sh, wasix-libc/build.sh and cmark/build.sh rebuild them).
for f in "$here"/wasix-c/bin/*.wasm "$here"/wasix-libc/bin/*.wasm "$here"/cmark/bin/*.wasm; do
    tmp="$outdir/.$(basename "$f").$$"
    cp "$f" "$tmp"
    mv -f "$tmp" "$outdir/$(basename "$f")"
done
if command -v clang >/dev/null && [ -d /usr/include/wasm32-wasi ]; then
    "$here"/c/build.sh "$outdir"
else
    echo "userland: clang or wasi-libc missing (apt-get install clang lld wasi-libc): skipping the C guests" >&2
fi
