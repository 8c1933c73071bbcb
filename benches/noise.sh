#!/usr/bin/env bash
# Noise on real code and docs: scans trees on this machine that hold no personal data (the cargo
# registry's crate sources, the Rust toolchain's library sources, the Python installation's
# standard library and site-packages), skipping those missing, and prints findings per 10 MB by
# kind and confidence, then every finding at the default confidence (medium and up) to review.
#
#   benches/noise.sh [EXTRA_DIR...]
#
# Every finding here is a false positive, except e-mail addresses in authorship lines (public
# contact details, judged separately). The target is at most 0.5 findings of any other kind per
# 10 MB at the default confidence. Values are printed unmasked (--reveal): they are public code.
# The findings are kept in $TMPDIR/piiscan-noise/findings.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet --bin piiscan
bin=target/release/piiscan
out=${TMPDIR:-/tmp}/piiscan-noise
mkdir -p "$out"

candidates=("${CARGO_HOME:-$HOME/.cargo}/registry/src")
if command -v rustc >/dev/null; then
  candidates+=("$(rustc --print sysroot)/lib/rustlib/src")
fi
if command -v python3 >/dev/null; then
  candidates+=("$(python3 -c 'import sysconfig;print(sysconfig.get_paths()["stdlib"])')")
  candidates+=("$(python3 -c 'import sysconfig;print(sysconfig.get_paths()["purelib"])')")
fi
candidates+=("$@")

# Existing trees, each once: a tree inside one already listed (site-packages inside the
# standard library's directory) is not scanned twice.
trees=()
for dir in "${candidates[@]}"; do
  [ -d "$dir" ] || { echo "skipped (missing): $dir" >&2; continue; }
  dir=$(cd "$dir" && pwd -P)
  inside=no
  for t in "${trees[@]+"${trees[@]}"}"; do
    case "$dir/" in "$t"/*) inside=yes ;; esac
  done
  [ "$inside" = yes ] || trees+=("$dir")
done
[ ${#trees[@]} -gt 0 ] || { echo "no tree to scan" >&2; exit 2; }

bytes=$(du -scb --apparent-size "${trees[@]}" | tail -1 | cut -f1)
echo "trees:"
printf '  %s\n' "${trees[@]}"
# Exit code 1 (found) and 2 (some file unreadable) are expected on such trees.
"$bin" scan --format jsonl --min-confidence low --max-findings-per-file 0 --reveal "${trees[@]}" \
  > "$out/findings.jsonl" 2> "$out/warnings.txt" || true

field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
awk -v bytes="$bytes" '
  {
    kind = $0; sub(/.*"kind":"/, "", kind); sub(/".*/, "", kind)
    conf = $0; sub(/.*"confidence":"/, "", conf); sub(/".*/, "", conf)
    n[kind "\t" conf]++
    if (conf != "low") { total[kind == "email" ? "email" : "other"]++ }
  }
  END {
    units = bytes / 10e6
    printf "\nscanned %.1f MB (%d bytes)\n\n%-12s %-8s %8s %10s\n", bytes / 1e6, bytes, "kind", "conf", "count", "per 10 MB"
    for (k in n) { split(k, p, "\t"); printf "%-12s %-8s %8d %10.2f\n", p[1], p[2], n[k], n[k] / units }
    printf "\ndefault confidence (medium and up), every kind but email: %d, %.2f per 10 MB\n", total["other"], total["other"] / units
    printf "default confidence, email: %d, %.2f per 10 MB\n", total["email"], total["email"] / units
  }' "$out/findings.jsonl"

echo
echo "to review (default confidence, every kind but email):"
grep -v '"confidence":"low"' "$out/findings.jsonl" | grep -v '"kind":"email"' | while IFS= read -r line; do
  path=$(field path <<<"$line")
  printf '  %s %s %s:%s  %s\n' "$(field kind <<<"$line")" "$(field confidence <<<"$line")" "$path" \
    "$(sed -n 's/.*"line":\([0-9]*\).*/\1/p' <<<"$line")" "$(field value <<<"$line")"
done
