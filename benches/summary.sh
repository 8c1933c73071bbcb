#!/usr/bin/env bash
# What the legal severity estimate costs: `scan --summary` against the plain scan, whole
# process, hot page cache, alternating runs (plain, summary, plain, summary, ...), medians and
# ranges, on a generated Chinese export (a name, an address, an amount, an order number, an IP
# and a comment on every row; an ID number, a phone, a card or an e-mail on some), and the size
# of the `--summary-out` state per distinct item.
#
#   benches/summary.sh [SIZE_MIB] [THREADS...]     (default 1024, threads 1 2)
#
# Checks the planted counts first. RUNS (default 5) sets the runs per side. MEMORY_BUDGET is
# passed as --memory-budget when set. Nothing is committed; the corpus lives in $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
shift || true
threads=("$@")
[ ${#threads[@]} -gt 0 ] || threads=(1 2)
runs=${RUNS:-5}
cargo build --release --quiet --bin piiscan --example generate
dir=${TMPDIR:-/tmp}/piiscan-summary
mkdir -p "$dir"
bin=$dir/piiscan
cp target/release/piiscan "$bin.tmp" && mv "$bin.tmp" "$bin"
corpus=$dir/export_${size_mib}MiB.csv
if [ ! -s "$corpus" ] || [ ! -s "$corpus.planted" ]; then
  # About 233 bytes per generated row.
  rows=$(( size_mib * 1024 * 1024 / 233 ))
  target/release/examples/generate --format export --rows "$rows" --seed 20261202 > "$corpus" 2> "$corpus.planted"
fi
bytes=$(stat -c %s "$corpus")
cat "$corpus" > /dev/null
budget=()
[ -n "${MEMORY_BUDGET:-}" ] && budget=(--memory-budget "$MEMORY_BUDGET")

echo "corpus: $corpus ($bytes bytes, $(wc -l < "$corpus") lines), $runs alternating runs per side"
cat "$corpus.planted"
found=$("$bin" scan --format json "$corpus" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin)["summary"]["findings_by_kind"]; print(" ".join(f"{k}={v}" for k, v in sorted(d.items())))' || true)
echo "piiscan found:  $found"

stats() { sort -n | awk '{a[NR]=$1} END {printf "%s %s %s\n", a[int((NR+1)/2)], a[1], a[NR]}'; }
for j in "${threads[@]}"; do
  : > "$dir/plain.t"; : > "$dir/summary.t"
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$dir/t" "$bin" scan -j"$j" --format json "$corpus" > /dev/null 2>&1 || true
    tail -n 1 "$dir/t" >> "$dir/plain.t"
    /usr/bin/time -f '%e %M' -o "$dir/t" "$bin" scan -j"$j" --summary "${budget[@]}" --format json "$corpus" > /dev/null 2>&1 || true
    tail -n 1 "$dir/t" >> "$dir/summary.t"
  done
  read -r pt plo phi < <(awk '{print $1}' "$dir/plain.t" | stats)
  read -r st slo shi < <(awk '{print $1}' "$dir/summary.t" | stats)
  prss=$(awk '{print $2}' "$dir/plain.t" | stats | awk '{print $3}')
  srss=$(awk '{print $2}' "$dir/summary.t" | stats | awk '{print $3}')
  printf -- '-j%s plain    %6.2f s (%.2f-%.2f)  peak RSS %5d MiB\n' "$j" "$pt" "$plo" "$phi" $(( prss / 1024 ))
  printf -- '-j%s summary  %6.2f s (%.2f-%.2f)  peak RSS %5d MiB   summary/plain %.2fx\n' \
    "$j" "$st" "$slo" "$shi" $(( srss / 1024 )) "$(echo "$st / $pt" | bc -l)"
done

state=$dir/export.state
"$bin" scan --summary --summary-out "$state" --format json "$corpus" > "$dir/summary.json" 2>/dev/null || true
items=$(python3 -c 'import struct,sys; b=open(sys.argv[1],"rb").read(35); print(struct.unpack_from("<Q", b, 27)[0])' "$state" 2>/dev/null || echo 0)
size=$(stat -c %s "$state")
printf 'state: %d bytes for %s distinct items: %.2f bytes per item\n' "$size" "$items" "$(echo "$size / ($items + (${items} == 0))" | bc -l)"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["assessment"]; print("assessment:", a["counts"]["A"], "A", a["counts"]["B"], "B", a["counts"]["C"], "C, R", a["r"], a["verdict"])' "$dir/summary.json"
