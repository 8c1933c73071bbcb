#!/usr/bin/env bash
# Whole-process comparison of piiscan with ripgrep on one digit-heavy corpus, hot page cache.
#
#   benches/compare.sh [SIZE_MIB]      (default 1024)
#
# Generates a digit-heavy TSV export (synthetic, fixed seed; transaction ids, accounts, amounts,
# millisecond timestamps, references, and sparse planted phones and ID numbers next to
# unallocated and broken look-alikes) of about SIZE_MIB MiB with the generator example, checks that
# piiscan finds exactly the planted counts (and shows what the regex finds), then times, several
# runs each, medians printed with ratios:
#   - rg -F of an absent literal: the read ceiling;
#   - rg -c -j1 with the ASCII ID-or-mobile regex a ripgrep user would write;
#   - piiscan -j1 and -j2, every detector, JSON to /dev/null (peak RSS too);
#   - piiscan on one small file: start-up, the pre-commit case.
# Needs `rg` on PATH (`cargo install ripgrep`). Nothing is committed; the corpus lives in $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
runs=${RUNS:-5}
cargo build --release --quiet --bin piiscan --example generate
# Timed from a fresh copy, as `cargo install` would place it: on the development VM the very
# file the linker wrote runs about 10% slower than a byte-identical copy of it (measured
# repeatedly; presumably how the kernel caches the file it was written as, not the program).
dir=${TMPDIR:-/tmp}/piiscan-compare
mkdir -p "$dir"
bin=$dir/piiscan
cp target/release/piiscan "$bin.tmp" && mv "$bin.tmp" "$bin"
command -v rg >/dev/null || { echo "compare.sh: rg not found; cargo install ripgrep" >&2; exit 2; }
corpus=$dir/digits_${size_mib}MiB.tsv
if [ ! -s "$corpus" ] || [ ! -s "$corpus.planted" ]; then
  # About 83 bytes per generated row.
  rows=$(( size_mib * 1024 * 1024 / 83 ))
  target/release/examples/generate --format digits --rows "$rows" --seed 20261126 > "$corpus" 2> "$corpus.planted"
fi
bytes=$(stat -c %s "$corpus")
cat "$corpus" > /dev/null # warm the page cache
regex='(?:^|[^0-9A-Za-z])([1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])[0-9]{5}[0-9Xx]|1[3-9][0-9]{9})(?:[^0-9A-Za-z]|$)'

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# label, command...: prints "seconds peak_kib" (medians) on stdout and a line on stderr.
time_it() {
  local label=$1; shift
  local out
  out=$(for _ in $(seq "$runs"); do
          /usr/bin/time -f '%e %M' "$@" > /dev/null 2>> "$dir/time.err" || true
          tail -n 1 "$dir/time.err"
        done)
  local t rss
  t=$(echo "$out" | awk '{print $1}' | median)
  rss=$(echo "$out" | awk '{print $2}' | median)
  printf '%-40s %8.3f s  %8.1f MB/s  peak RSS %6d MiB\n' "$label" "$t" "$(echo "$bytes / 1000000 / $t" | bc -l)" \
    "$(( rss / 1024 ))" >&2
  echo "$t $rss"
}

echo "corpus: $corpus ($bytes bytes), $runs runs each, median"
cat "$corpus.planted"
found=$("$bin" scan --format json "$corpus" | python3 -c 'import json,sys; d=json.load(sys.stdin)["summary"]["findings_by_kind"]; print(" ".join(f"{k}={v}" for k, v in sorted(d.items())))' || true)
echo "piiscan found:  $found"
echo "rg regex lines: $(rg -c -j1 "$regex" "$corpus" || true)"
ceiling=$(time_it "rg -F absent literal (read ceiling)" rg -F -c -j1 'ZZZ_ABSENT_ZZZ' "$corpus" | awk '{print $1}')
rg_t=$(time_it "rg -c -j1 ID-or-mobile regex" rg -c -j1 "$regex" "$corpus" | awk '{print $1}')
p1=$(time_it "piiscan -j1 (all detectors, json)" "$bin" scan -j1 --format json "$corpus" | awk '{print $1}')
p2=$(time_it "piiscan -j2 (all detectors, json)" "$bin" scan -j2 --format json "$corpus" | awk '{print $1}')
printf 'piiscan -j1 vs rg -j1: %.2fx   piiscan -j1 vs read ceiling: %.1f%%   -j2 vs -j1: %.2fx\n' \
  "$(echo "$rg_t / $p1" | bc -l)" "$(echo "100 * $ceiling / $p1" | bc -l)" "$(echo "$p1 / $p2" | bc -l)"

# Start-up: one small file with a finding, 50 runs, mean wall time.
small=$dir/small.txt
printf '联系人 张三 13800138000\n' > "$small"
start=$(date +%s%N)
for _ in $(seq 50); do "$bin" scan "$small" > /dev/null || true; done
end=$(date +%s%N)
printf 'start-up, one small file: %.1f ms mean wall over 50 runs\n' "$(echo "($end - $start) / 50 / 1000000" | bc -l)"
