#!/usr/bin/env bash
# Runs every test of the solution and ends with one line "N passed, N failed".
#
#   bash tests/run-all.sh                as root: installs what the tests drive, then runs every test
#   bash tests/run-all.sh --no-install   installs nothing: runs what the installed packages allow
#
# As root, without --no-install, it CHANGES THE MACHINE and is meant for a throwaway machine or container:
# .ci/install-deps.sh installs Debian packages with apt-get (Sendmail, libmilter-dev, miltertest, swaks, Dovecot,
# Redis, rpcbind, Cyrus SASL, gcc, ...), creates the postfix user and the postfix and postdrop groups, and unpacks the
# Postfix package into /var/cache/milter-e2e/postfix. /usr/sbin/policy-rc.d keeps the packages' daemons from
# starting; it is removed at the end if this run created it.
# With --no-install, or when not root, nothing is installed: a test that needs a missing package (or root) is
# skipped with the reason; the skipped tests and the missing packages are listed at the end, and their count is
# on the line before the last.
# Tests stop every process they start; the build leaves no MSBuild node or compiler server running.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

install=1
for arg in "$@"; do
  case "$arg" in
    --no-install) install=0 ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-all.sh: unknown option '$arg' (usage: bash tests/run-all.sh [--no-install])" >&2; exit 2 ;;
  esac
done

# Whatever way the run ends, what it created goes again (before the last line, which stays the counts).
results=""
created_policy_rc_d=0
cleanup() {
  if [ -n "$results" ]; then rm -rf "$results"; results=""; fi
  if [ "$created_policy_rc_d" = 1 ]; then
    created_policy_rc_d=0
    rm -f /usr/sbin/policy-rc.d && echo "removed /usr/sbin/policy-rc.d (this run created it)"
  fi
}
trap cleanup EXIT
# finish LAST-LINE EXIT-CODE
finish() { cleanup; echo "$1"; exit "$2"; }

# No MSBuild node or compiler server outlives the build (by default they stay for minutes), and no .NET process
# leaves its diagnostics pipes in $TMPDIR (a milter a test kills cannot remove them).
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false DOTNET_EnableDiagnostics=0

if [ "$(id -u)" = 0 ] && [ "$install" = 1 ]; then
  [ -e /usr/sbin/policy-rc.d ] || created_policy_rc_d=1
  bash .ci/install-deps.sh || { echo "installing test dependencies failed"; finish "0 passed, 1 failed" 1; }
else
  # Tests then skip (instead of fail) when a package or root is missing, naming it.
  export MILTER_TESTS_SKIP_MISSING=1
  if [ "$install" = 0 ]; then
    echo "--no-install: installing nothing; tests that need a missing package or root are skipped"
  else
    echo "not root: installing nothing (see .ci/install-deps.sh); tests that need a missing package or root are skipped"
  fi
fi

results="$(mktemp -d "${TMPDIR:-/tmp}/milter-test-results.XXXXXX")"
dotnet restore Milter.sln || finish "0 passed, 1 failed" 1
dotnet build Milter.sln --no-restore -c Debug || finish "0 passed, 1 failed" 1
dotnet test Milter.sln --no-build -c Debug --logger "trx" --results-directory "$results" -- NUnit.NumberOfTestWorkers=2
status=$?

passed=0
failed=0
for f in "$results"/*.trx; do
  [ -e "$f" ] || continue
  # The ResultSummary <Counters> element carries the totals of one test project.
  p=$(grep -o '<Counters [^>]*' "$f" | grep -o ' passed="[0-9]*"' | grep -o '[0-9]*')
  fl=$(grep -o '<Counters [^>]*' "$f" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${fl:-0}))
done

# Skipped tests ("Class.Test: reason"): the trx files' NotExecuted results (their Counters do not count them).
skipped_list() {
  for f in "$results"/*.trx; do
    [ -e "$f" ] || continue
    awk '
      function text(s) { gsub(/&apos;/, "\047", s); gsub(/&quot;/, "\"", s); gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&amp;/, "\\&", s); return s }
      function attr(line, name,   v) { v = line; if (!sub(".*[ <]" name "=\"", "", v)) return ""; sub(/".*/, "", v); return v }
      FNR == NR { if ($0 ~ /<UnitTest /) id = attr($0, "id"); if ($0 ~ /<TestMethod / && id != "") { c = attr($0, "className"); sub(/.*\./, "", c); cls[id] = c; id = "" } next }
      /<UnitTestResult / && /outcome="NotExecuted"/ { t = attr($0, "testId"); n = text(attr($0, "testName")); open = 1; if ($0 ~ /\/>[ \t]*$/) { print cls[t] "." n; open = 0 } next }
      open && /<Message>/ { m = $0; sub(/.*<Message>/, "", m); sub(/<\/Message>.*/, "", m); print cls[t] "." n ": " text(m); open = 0; next }
      open && /<\/UnitTestResult>/ { print cls[t] "." n; open = 0 }
    ' "$f" "$f"
  done | sort
}
skips="$(skipped_list)"
skipped=0
if [ -n "$skips" ]; then
  skipped=$(printf '%s\n' "$skips" | wc -l)
  echo "skipped tests:"
  printf '%s\n' "$skips" | sed 's/^/  /'
  missing=$(printf '%s\n' "$skips" | grep -o "needs Debian package '[^']*'" | sed "s/.*'\(.*\)'/\1/" | sort -u | tr '\n' ' ')
  [ -z "$missing" ] || echo "missing Debian packages: $missing(install them, or run as root without --no-install)"
  ! printf '%s\n' "$skips" | grep -q ': needs root:' || echo "some tests need root"
fi

if [ "$status" != 0 ] && [ "$failed" = 0 ]; then
  failed=1   # dotnet test failed without a failing test (a crash or a missing result file)
fi
echo "$skipped skipped"
[ "$failed" = 0 ] && [ "$status" = 0 ]
finish "$passed passed, $failed failed" $?
