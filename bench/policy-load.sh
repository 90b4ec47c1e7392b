#!/usr/bin/env bash
# Load time and memory of a 1,000,000-line access file: Debian's `makemap hash` against Milter.Policy's
# RuleSetLoader.LoadFiles, on the same file in the same run.
#
# Generates the file deterministically (tests/Milter.Benchmarks AccessFileGenerator: Connect: IPv4, octet prefixes,
# CIDR, IPv6, host names; From:/To: addresses and domains; comments), then RUNS times, alternating which goes first:
#   makemap hash OUT/access < OUT/access.txt      (wall time and max RSS from /usr/bin/time)
#   Milter.Benchmarks load OUT/access.txt         (a fresh process each time; it prints the LoadFiles wall time,
#                                                  bytes allocated, managed heap after a full GC with the rule set
#                                                  alive, and its peak RSS = VmHWM from /proc/self/status)
# and prints the medians and the ratio ours / makemap. Targets (the issue): load <= 2 s and <= 400 MB.
#
# Settings (environment): LINES=1000000 RUNS=5 MAKEMAP=<makemap on PATH, else /usr/sbin/makemap> OUT=<new temp dir>
#   KEEP=1 keeps the generated file and makemap's .db in OUT (removed by default; the figures stay).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
LINES=${LINES:-1000000}
RUNS=${RUNS:-5}
MAKEMAP=${MAKEMAP:-$(command -v makemap || echo /usr/sbin/makemap)}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/policy-load.XXXXXX")}
mkdir -p "$OUT"

command -v dotnet >/dev/null 2>&1 || { echo "policy-load: 'dotnet' is needed" >&2; exit 1; }
[ -x "$MAKEMAP" ] || { echo "policy-load: makemap not found (Debian: apt-get install sendmail-bin), or set MAKEMAP" >&2; exit 1; }
TIME=()
if [ -x /usr/bin/time ]; then TIME=(/usr/bin/time -f "%e %M"); fi

echo "== building tests/Milter.Benchmarks (Release) into $OUT/bench"
dotnet build "$ROOT/tests/Milter.Benchmarks/Milter.Benchmarks.csproj" -c Release -o "$OUT/bench" -nologo -v q >"$OUT/build.log" 2>&1 \
  || { tail -30 "$OUT/build.log" >&2; exit 1; }
BENCH=(dotnet "$OUT/bench/Milter.Benchmarks.dll")

echo "== generating $LINES lines into $OUT/access.txt"
"${BENCH[@]}" generate "$OUT/access.txt" "$LINES"
echo "   $(wc -c <"$OUT/access.txt") bytes, sha256 $(sha256sum "$OUT/access.txt" | cut -c1-16)…"
echo "== $(nproc) CPUs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# makemap: "s maxrssKiB" (bash's own timer when /usr/bin/time is missing; RSS then unknown).
run_makemap() {
  rm -f "$OUT/access.db"
  if [ ${#TIME[@]} -gt 0 ]; then
    "${TIME[@]}" -o "$OUT/makemap.time" "$MAKEMAP" hash "$OUT/access" <"$OUT/access.txt" 2>"$OUT/makemap.err" \
      || { cat "$OUT/makemap.err" >&2; exit 1; }
    cat "$OUT/makemap.time"
  else
    local start end
    start=$(date +%s.%N)
    "$MAKEMAP" hash "$OUT/access" <"$OUT/access.txt" 2>"$OUT/makemap.err" || { cat "$OUT/makemap.err" >&2; exit 1; }
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f 0\n", b - a }'
  fi
}

# ours: the `load` line, plus the process wall time and max RSS seen from outside.
run_ours() {
  if [ ${#TIME[@]} -gt 0 ]; then
    "${TIME[@]}" -o "$OUT/ours.time" "${BENCH[@]}" load "$OUT/access.txt"
    echo "process=$(cut -d' ' -f1 "$OUT/ours.time")s"
  else
    "${BENCH[@]}" load "$OUT/access.txt"
  fi
}

field() { sed -n "s/.*[[:space:]]$1=\([0-9.]*\).*/\1/p"; }
. "$HERE/bench-lib.sh"

: >"$OUT/makemap.runs"
: >"$OUT/ours.runs"
for run in $(seq 1 "$RUNS"); do
  if [ $((run % 2)) = 1 ]; then
    run_makemap >>"$OUT/makemap.runs"
    run_ours >"$OUT/ours.run"
  else
    run_ours >"$OUT/ours.run"
    run_makemap >>"$OUT/makemap.runs"
  fi
  tr '\n' ' ' <"$OUT/ours.run" >>"$OUT/ours.runs"
  echo >>"$OUT/ours.runs"
  echo "   run $run: makemap $(tail -1 "$OUT/makemap.runs" | awk '{ printf "%ss %.0fMB", $1, $2 / 1024 }') | ours $(tail -1 "$OUT/ours.runs")"
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
grep -v "World writable directory" "$OUT/makemap.err" >&2 || true

MM_S=$(cut -d' ' -f1 "$OUT/makemap.runs" | median)
MM_MB=$(awk '{ print $2 / 1024 }' "$OUT/makemap.runs" | median)
OUR_S=$(field seconds <"$OUT/ours.runs" | median)
OUR_RSS=$(field peakRssMB <"$OUT/ours.runs" | median)
OUR_HEAP=$(field heapAfterMB <"$OUT/ours.runs" | median)
OUR_ALLOC=$(field allocatedMB <"$OUT/ours.runs" | median)
OUR_PROC=$(sed -n 's/.*process=\([0-9.]*\)s.*/\1/p' "$OUT/ours.runs" | median)
echo
echo "medians of $RUNS runs, $LINES lines ($(wc -c <"$OUT/access.txt") bytes):"
printf '  makemap hash        %6.2f s   max RSS %6.1f MB\n' "$MM_S" "$MM_MB"
printf '  RuleSetLoader       %6.2f s   peak RSS %6.1f MB (VmHWM)   heap after load %6.1f MB   allocated %6.1f MB\n' \
  "$OUR_S" "$OUR_RSS" "$OUR_HEAP" "$OUR_ALLOC"
[ -n "$OUR_PROC" ] && printf '  (our whole process, runtime start and JIT included: %.2f s)\n' "$OUR_PROC"
awk -v o="$OUR_S" -v m="$MM_S" 'BEGIN { printf "  ratio ours / makemap: %.2f (time)\n", o / m }'
awk -v s="$OUR_S" -v m="$OUR_RSS" 'BEGIN { printf "  targets: load <= 2 s %s, <= 400 MB %s\n", (s <= 2 ? "met" : "MISSED"), (m <= 400 ? "met" : "MISSED") }'
[ "${KEEP:-0}" = 1 ] || rm -f "$OUT/access.txt" "$OUT/access.db"
echo "raw outputs: $OUT"
