#!/bin/bash
# The differential test against Sendmail 8.17 (tests/Milter.Oracle.Tests) on demand, larger than CI's run.
#   tests/oracle.sh [SESSIONS_PER_PROFILE [SEED]]      default 20000 sessions, seed 20261203 (CI: 2000)
# Needs root and the packages of .ci/install-deps.sh, like the CI run. Prints the summary table at the end.
set -u
here="$(cd "$(dirname "$0")/.." && pwd)"
sessions=${1:-20000}
seed=${2:-20261203}
case $sessions$seed in *[!0-9]*) echo "usage: $0 [SESSIONS_PER_PROFILE [SEED]]" >&2; exit 2;; esac
dotnet build "$here/tests/Milter.Oracle.Tests" -c Release -v q -nologo || exit 1
ORACLE_SESSIONS=$sessions ORACLE_SEED=$seed dotnet test "$here/tests/Milter.Oracle.Tests" -c Release --no-build \
    --filter "FullyQualifiedName~DifferentialTests"
status=$?
cat "$here/tests/Milter.Oracle.Tests/bin/Release/net10.0/oracle-summary.txt" 2>/dev/null
exit $status
