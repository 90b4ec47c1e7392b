#!/usr/bin/env bash
# Runs every test of the solution and ends with one line "N passed, N failed".
# On a fresh Debian machine run it as root: it installs the Debian packages the interop and end-to-end
# tests drive (sendmail, libmilter-dev, miltertest, swaks) and unpacks Postfix (tests/e2e/postfix-rig.sh fetch)
# before testing.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

if [ "$(id -u)" = 0 ]; then
  bash .ci/install-deps.sh || { echo "installing test dependencies failed"; echo "0 passed, 1 failed"; exit 1; }
else
  echo "not root: assuming the Debian test dependencies are installed (see .ci/install-deps.sh)"
fi

results="$(mktemp -d "${TMPDIR:-/tmp}/milter-test-results.XXXXXX")"
dotnet restore Milter.sln || { echo "0 passed, 1 failed"; exit 1; }
dotnet build Milter.sln --no-restore -c Debug || { echo "0 passed, 1 failed"; exit 1; }
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

if [ "$status" != 0 ] && [ "$failed" = 0 ]; then
  failed=1   # dotnet test failed without a failing test (a crash or a missing result file)
fi
rm -rf "$results"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$status" = 0 ]
