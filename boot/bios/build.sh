#!/usr/bin/env bash
# Rebuilds loader.bin from loader.S with GNU binutils (Debian: binutils). The boot tool embeds
# the committed loader.bin, so building the project does not need an assembler.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
as --32 -o "$tmp/loader.o" loader.S
ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o "$tmp/loader.bin" "$tmp/loader.o"
size=$(stat -c %s "$tmp/loader.bin")
[ "$size" -eq 1536 ] || { echo "loader.bin is $size bytes, expected 1536" >&2; exit 1; }
mv "$tmp/loader.bin" loader.bin
