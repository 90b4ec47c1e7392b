#!/usr/bin/env bash
# Mutation testing with Stryker.NET (not part of CI: a full run takes long on 2 cores).
#   tests/mutation.sh [policy|protocol] [--since[:REF]] [--mutate GLOB]... [other stryker flags]
# Reports go to artifacts/mutation/<target>/<timestamp>/reports (ignored); scores are recorded in tests/MUTATION.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
target="${1:-policy}"
[ $# -gt 0 ] && shift
case "$target" in
  policy)   project=Milter.Policy ;;
  protocol) project=Milter.Protocol ;;
  *) echo "usage: tests/mutation.sh [policy|protocol] [--since[:REF]] [stryker flags]" >&2; exit 2 ;;
esac
cd "$root"
dotnet tool restore >/dev/null
output="$root/artifacts/mutation/$target/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$output"
cd "$root/tests/$project.Tests"
exec dotnet stryker --config-file "$root/tests/mutation/$target.json" --output "$output" "$@"
