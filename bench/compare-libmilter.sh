#!/usr/bin/env bash
# Compare our milter stack with libmilter on the same machine, in one run.
#
# Builds tests/interop/refmilter.c (libmilter) and tests/Milter.ReferenceFilter (Milter.Protocol), which behave
# alike, and Milter.Host (`milter bench`); starts both filters on free loopback ports (and unix sockets); runs
# `milter bench` against each at every concurrency, alternating which one goes first, with a fixed duration after
# a warm-up; then measures resident memory per idle connection (RSS before/after N idle connections, on freshly
# started filters). Prints a table with ratios (ours / libmilter) and exits 0; the raw outputs stay in OUT.
#
# CPU pinning (default when taskset exists and there are >= 2 CPUs): both filters on MILTER_CPU, the load tool
# on LOAD_CPU, for both targets alike, so that neither filter competes with the load generator.
#
# Settings (environment): DURATION=10 WARMUP=5 CONCURRENCY="1 8 64 512" TRANSPORTS="inet unix" IDLE=1000
#   (IDLE=0 skips the memory measurement)  PIN=1 MILTER_CPU=0 LOAD_CPU=1 OUT=<new temp dir>
#   OUR_ENV="DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1"  environment of our filter (see the report)
#   BENCH_ENV="DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1" environment of the load tool (same for both targets)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
CONCURRENCY=${CONCURRENCY:-"1 8 64 512"}
TRANSPORTS=${TRANSPORTS:-"inet unix"}
IDLE=${IDLE:-1000}
PIN=${PIN:-1}
MILTER_CPU=${MILTER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
OUR_ENV=${OUR_ENV-DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1}
BENCH_ENV=${BENCH_ENV-DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/milter-compare.XXXXXX")}
mkdir -p "$OUT"

for tool in dotnet jq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "compare-libmilter: '$tool' is needed" >&2; exit 1; }
done
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
CLK_TCK=$(getconf CLK_TCK)

MILTER_PIN=()
LOAD_PIN=()
if [ "$PIN" = 1 ] && command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  MILTER_PIN=(taskset -c "$MILTER_CPU")
  LOAD_PIN=(taskset -c "$LOAD_CPU")
  PINNING="filters on CPU $MILTER_CPU, load tool on CPU $LOAD_CPU"
else
  PINNING="none"
fi

echo "== building (Release) into $OUT"
"$ROOT/tests/interop/build-refmilter.sh" "$OUT/libmilter" >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log" >&2; exit 1; }
dotnet build "$ROOT/tests/Milter.ReferenceFilter/Milter.ReferenceFilter.csproj" -c Release -o "$OUT/ours" -nologo -v q >>"$OUT/build.log" 2>&1 \
  || { tail -30 "$OUT/build.log" >&2; exit 1; }
dotnet build "$ROOT/Milter.Host/Milter.Host.csproj" -c Release -o "$OUT/host" -nologo -v q >>"$OUT/build.log" 2>&1 \
  || { tail -30 "$OUT/build.log" >&2; exit 1; }
BENCH=("$OUT/host/milter" bench)

. "$HERE/bench-lib.sh"
trap cleanup EXIT

# start NAME SPEC: starts that filter on SPEC, sets STARTED_PID, waits until it accepts connections.
start() {
  local name=$1 spec=$2 log="$OUT/$1-$(date +%s%N).log"
  if [ "$name" = ours ]; then
    env $OUR_ENV "${MILTER_PIN[@]}" "$OUT/ours/reference-filter" -q "$spec" >"$log" 2>&1 &
  else
    "${MILTER_PIN[@]}" "$OUT/libmilter/refmilter" -q "$spec" >"$log" 2>&1 &
  fi
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  serving "$spec" env $BENCH_ENV "${BENCH[@]}" && return
  echo "compare-libmilter: $name did not come up on $spec" >&2
  cat "$log" >&2
  exit 1
}

stop() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# run NAME PID SPEC CONC: one measured load run; JSON in OUT, milter CPU ticks over the measured window added.
run() {
  local name=$1 pid=$2 spec=$3 conc=$4 transport=$5
  local file="$OUT/$transport-c$conc-$name.json" t0 t1
  env $BENCH_ENV "${LOAD_PIN[@]}" "${BENCH[@]}" --target "$spec" --concurrency "$conc" --duration "$DURATION" \
    --warmup "$WARMUP" --json >"$file.tmp" 2>"$OUT/$transport-c$conc-$name.err" &
  local bench=$!
  sleep "$WARMUP"
  t0=$(cpu_ticks "$pid") l0=$(cpu_ticks "$bench")
  sleep "$DURATION"
  t1=$(cpu_ticks "$pid") l1=$(cpu_ticks "$bench")
  wait "$bench" || true
  jq --argjson ticks $((t1 - t0)) --argjson load $((l1 - l0)) --argjson hz "$CLK_TCK" --argjson secs "$DURATION" \
    '. + { milterCpuPercent: ($ticks / $hz / $secs * 100), loadToolCpuPercent: ($load / $hz / $secs * 100),
           milterCpuMicrosPerSession: (if .sessions > 0 then $ticks / $hz * 1e6 / .sessions else 0 end) }' \
    "$file.tmp" >"$file"
  rm -f "$file.tmp"
}

declare -A SPEC
echo "== pinning: $PINNING; our filter env: ${OUR_ENV:-(none)}; load tool env: ${BENCH_ENV:-(none)}"
for transport in $TRANSPORTS; do
  if [ "$transport" = inet ]; then
    SPEC[ours]="inet:$(free_port)@127.0.0.1"
    SPEC[libmilter]="inet:$(free_port)@127.0.0.1"
  else
    SPEC[ours]="unix:$OUT/ours.sock"
    SPEC[libmilter]="unix:$OUT/libmilter.sock"
  fi

  start ours "${SPEC[ours]}"; OURS=$STARTED_PID
  start libmilter "${SPEC[libmilter]}"; LIB=$STARTED_PID
  round=0
  for conc in $CONCURRENCY; do
    # Alternate who goes first so that drifting machine conditions hit both alike.
    if [ $((round % 2)) = 0 ]; then order="ours libmilter"; else order="libmilter ours"; fi
    round=$((round + 1))
    for name in $order; do
      if [ "$name" = ours ]; then pid=$OURS; else pid=$LIB; fi
      echo "== $transport concurrency $conc: $name (${SPEC[$name]})"
      run "$name" "$pid" "${SPEC[$name]}" "$conc" "$transport"
    done
  done
  stop "$OURS"; stop "$LIB"
done

# Idle memory: fresh filters, a short warm-up (code paths, JIT, allocator), RSS, N idle connections, RSS.
declare -A IDLE_KIB
[ "$IDLE" -gt 0 ] && echo "== idle connections: $IDLE per filter"
for name in ours libmilter; do
  [ "$IDLE" -gt 0 ] || break
  spec="inet:$(free_port)@127.0.0.1"
  start "$name" "$spec"; pid=$STARTED_PID
  env $BENCH_ENV "${BENCH[@]}" --target "$spec" --sessions 500 --warmup 0 --concurrency 8 >/dev/null
  sleep 1
  before=$(rss_kib "$pid")
  env $BENCH_ENV "${BENCH[@]}" --target "$spec" --idle-connections "$IDLE" >"$OUT/idle-$name.txt" 2>&1 &
  holder=$!
  for _ in $(seq 1 600); do
    grep -q '^idle: .* open' "$OUT/idle-$name.txt" && break
    sleep 0.1
  done
  sleep 2
  after=$(rss_kib "$pid")
  kill -TERM "$holder" 2>/dev/null || true
  wait "$holder" || true
  IDLE_KIB[$name]="$before $after"
  echo "   $name: $(head -1 "$OUT/idle-$name.txt"); RSS $before KiB -> $after KiB"
  stop "$pid"
done

# Report.
{
  echo
  echo "Sessions/s and session latency (ms); cpu% = the filter's CPU, load% = the load tool's, over the measured window."
  echo "us/sess = the filter's CPU time per session. Ratios (x) = ours / libmilter."
  printf '%-5s %5s | %9s %8s %8s %5s %7s %5s | %9s %8s %8s %5s %7s %5s | %7s %8s %8s\n' \
    tr conc "ours s/s" p50 p99 cpu% "us/sess" load% "lib s/s" p50 p99 cpu% "us/sess" load% "s/s x" "p99 x" "cpu/s x"
  for transport in $TRANSPORTS; do
    for conc in $CONCURRENCY; do
      o="$OUT/$transport-c$conc-ours.json" l="$OUT/$transport-c$conc-libmilter.json"
      jq -r -s --arg tr "$transport" --arg c "$conc" '
        def ms(x): (x / 1000);
        .[0] as $o | .[1] as $l |
        [$tr, $c,
         $o.sessionsPerSecond, ms($o.latencyMicroseconds.session.p50), ms($o.latencyMicroseconds.session.p99), $o.milterCpuPercent, $o.milterCpuMicrosPerSession, $o.loadToolCpuPercent,
         $l.sessionsPerSecond, ms($l.latencyMicroseconds.session.p50), ms($l.latencyMicroseconds.session.p99), $l.milterCpuPercent, $l.milterCpuMicrosPerSession, $l.loadToolCpuPercent,
         (if $l.sessionsPerSecond > 0 then $o.sessionsPerSecond / $l.sessionsPerSecond else 0 end),
         (if $l.latencyMicroseconds.session.p99 > 0 then $o.latencyMicroseconds.session.p99 / $l.latencyMicroseconds.session.p99 else 0 end),
         (if $o.milterCpuMicrosPerSession > 0 then $l.milterCpuMicrosPerSession / $o.milterCpuMicrosPerSession else 0 end),
         $o.errors, $l.errors] | @tsv' "$o" "$l" |
        awk -F'\t' '{ printf "%-5s %5s | %9.0f %8.2f %8.2f %5.0f %7.0f %5.0f | %9.0f %8.2f %8.2f %5.0f %7.0f %5.0f | %7.2f %8.2f %8.2f%s\n",
          $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, ($18 + $19 > 0 ? "  errors " $18 "/" $19 : "") }'
    done
  done
  echo "(p99 x < 1: ours is better; cpu/s x = libmilter CPU per session / ours, > 1: ours is cheaper)"
  echo
  echo "Per command p50/p99 (us), ours | libmilter:"
  for transport in $TRANSPORTS; do
    for conc in $CONCURRENCY; do
      jq -r -s --arg h "$transport c=$conc" '
        .[0].latencyMicroseconds as $o | .[1].latencyMicroseconds as $l |
        $h + ": " + ([$o | keys_unsorted[] | select(. != "session") as $k |
          "\($k) \($o[$k].p50|floor)/\($o[$k].p99|floor)|\($l[$k].p50|floor)/\($l[$k].p99|floor)"] | join("  "))' \
        "$OUT/$transport-c$conc-ours.json" "$OUT/$transport-c$conc-libmilter.json"
    done
  done
  echo
  [ "$IDLE" -gt 0 ] && echo "Idle connections ($IDLE, negotiated + CONNECT + HELO, inet): resident memory growth"
  for name in ours libmilter; do
    [ "$IDLE" -gt 0 ] || break
    read -r before after <<<"${IDLE_KIB[$name]}"
    awk -v n="$name" -v b="$before" -v a="$after" -v c="$IDLE" \
      'BEGIN { printf "  %-9s RSS %7d KiB -> %7d KiB: %+6.1f KiB per idle connection\n", n, b, a, (a - b) / c }'
  done
  echo "raw results: $OUT"
} | tee "$OUT/summary.txt"
exit 0
