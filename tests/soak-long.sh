#!/usr/bin/env bash
# The long soak, kept out of CI (`cargo test` runs the 20 s one): SECONDS (default 600) of
# WORKERS (default 12) soak workers with seed SEED (default 777) in the default 256 MiB VM
# with /proc, as `soak` describes (userland/src/bin/soak/main.rs). Prints the soak's output and
# the kernel's heap-check line; exits with the run's status (0 only with no error).
#
#     tests/soak-long.sh [SECONDS [WORKERS [SEED]]]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-600}" workers="${2:-12}" seed="${3:-777}"

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
userland/build.sh "$root/out" >/dev/null
mkdir "$root/fs" "$root/fs/bin" "$root/fs/tmp"
for f in "$root"/out/*.wasm; do
    cp "$f" "$root/fs/bin/$(basename "$f" .wasm)"
done

# The kernel log (stderr, with --verbose) is kept for its heap-check line.
set +e
cargo run --quiet -- run --direct --timeout "$((secs + 300))" --cmdline proc=on --verbose \
    --dir "$root/fs::/" "$root/out/soak.wasm" "$secs" "$workers" "$seed" 2>"$root/log"
status=$?
set -e
grep -E 'heap-check|first process ended|KERNEL PANIC' "$root/log" || tail -20 "$root/log"
exit "$status"
