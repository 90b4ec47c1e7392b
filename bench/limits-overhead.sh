#!/usr/bin/env bash
# Cost of the flood limits (issue 5): sessions/s of `milter run` with every limit off against every limit on, in one
# run, with the project's load tool (`milter bench`).
#
# Starts two `milter run` processes on free loopback ports from one Release build:
#   off: Milter:Limits:Enabled=false
#   on:  every limit on (open connections, connection/message/recipient rates per client, /24-/64 network, sender,
#        user, server, recipients per message, mail bomb), no exemptions, ClientRate:/ClientConn: lookups on, limits
#        high enough that nothing is refused (the run fails if the 'on' milter logs an exceeded limit or a session errs;
#        the example rules refuse relaying for some bench clients, alike in both)
# then runs `milter bench` against each ROUNDS times, alternating which goes first, and prints the sessions/s of
# every run, the medians and the ratio on/off (the issue's target: >= 0.90).
#
# Settings (environment): DURATION=10 WARMUP=3 ROUNDS=3 CONCURRENCY=8 RECIPIENTS=3 PIN=1 MILTER_CPU=0 LOAD_CPU=1
#   OUT=<new temp dir>. With PIN=1 (and taskset, >= 2 CPUs) both milters run on MILTER_CPU, the load tool on LOAD_CPU.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-3}
CONCURRENCY=${CONCURRENCY:-8}
RECIPIENTS=${RECIPIENTS:-3}
PIN=${PIN:-1}
MILTER_CPU=${MILTER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/limits-overhead.XXXXXX")}
mkdir -p "$OUT"

for tool in dotnet jq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "limits-overhead: '$tool' is needed" >&2; exit 1; }
done
ulimit -n 65536 2>/dev/null || true

MILTER_PIN=()
LOAD_PIN=()
PINNING="none"
if [ "$PIN" = 1 ] && command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  MILTER_PIN=(taskset -c "$MILTER_CPU")
  LOAD_PIN=(taskset -c "$LOAD_CPU")
  PINNING="milters on CPU $MILTER_CPU, load tool on CPU $LOAD_CPU"
fi

echo "== building Milter.Host (Release) into $OUT/host"
dotnet build "$ROOT/Milter.Host/Milter.Host.csproj" -c Release -o "$OUT/host" -nologo -v q >"$OUT/build.log" 2>&1 \
  || { tail -30 "$OUT/build.log" >&2; exit 1; }
MILTER="$OUT/host/milter"

cat >"$OUT/off.json" <<'JSON'
{ "Milter": { "Limits": { "Enabled": false } } }
JSON

. "$HERE/bench-lib.sh"
trap cleanup EXIT
limits_on_config "$OUT/on.json"

declare -A SPEC
for name in off on; do
  SPEC[$name]="inet:$(free_port)@127.0.0.1"
  mkdir -p "$OUT/state-$name"
  "${MILTER_PIN[@]}" "$MILTER" run --listen "${SPEC[$name]}" --config "$OUT/$name.json" --state-dir "$OUT/state-$name" \
    >"$OUT/milter-$name.log" 2>&1 &
  PIDS+=($!)
  serving "${SPEC[$name]}" "$MILTER" bench \
    || { echo "limits-overhead: milter '$name' did not come up on ${SPEC[$name]}" >&2; cat "$OUT/milter-$name.log" >&2; exit 1; }
done

echo "== $(nproc) CPUs, pinning: $PINNING; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $ROUNDS rounds of ${DURATION}s (warm-up ${WARMUP}s), concurrency $CONCURRENCY, $RECIPIENTS recipients"
declare -A RUNS=([off]="" [on]="")
for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) = 1 ]; then order="off on"; else order="on off"; fi
  for name in $order; do
    file="$OUT/round$round-$name.json"
    "${LOAD_PIN[@]}" "$MILTER" bench --target "${SPEC[$name]}" --concurrency "$CONCURRENCY" --duration "$DURATION" \
      --warmup "$WARMUP" --recipients "$RECIPIENTS" --json >"$file" || { echo "limits-overhead: bench against '$name' failed" >&2; cat "$file" >&2; exit 1; }
    sps=$(jq '.sessionsPerSecond' "$file")
    errors=$(jq '.errors' "$file")
    [ "$errors" = 0 ] || { echo "limits-overhead: $errors errors against '$name'" >&2; exit 1; }
    # The example rules refuse relaying for part of the bench clients: the same share with limits off and on.
    refused=$(jq 'if .sessions > 0 then .unexpectedReplies / .sessions * 100 else 0 end' "$file")
    RUNS[$name]="${RUNS[$name]} $sps"
    printf '   round %d %-3s %10.1f sessions/s  (%.1f%% refused by the policy rules)\n' "$round" "$name" "$sps" "$refused"
  done
done

if grep -q "limit exceeded" "$OUT/milter-on.log"; then
  echo "limits-overhead: a limit was exceeded in the 'on' run; raise the limits" >&2
  exit 1
fi

off=$(echo "${RUNS[off]}" | tr ' ' '\n' | grep -v '^$' | median)
on=$(echo "${RUNS[on]}" | tr ' ' '\n' | grep -v '^$' | median)
echo "== median sessions/s: limits off $off, limits on $on, ratio on/off $(awk -v a="$on" -v b="$off" 'BEGIN { printf "%.3f", a / b }')"
echo "   (load average after: $(cut -d' ' -f1-3 /proc/loadavg); raw results in $OUT)"
