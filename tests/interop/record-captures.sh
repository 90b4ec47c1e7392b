#!/bin/sh
# Record what libmilter does with the raw-socket probes of odd and malformed milter input
# (tests/Milter.Interop.Tests/Support/ConformanceProbe.cs) into
# tests/Milter.Interop.Tests/Captures/probe-libmilter.txt, the capture ConformanceProbeTests compares our milter with.
# The probes run against tests/interop/refmilter.c compiled on the installed libmilter (Debian packages gcc and
# libmilter-dev), on a free loopback port; the milter is stopped afterwards. Commit the file if it changed
# (git diff shows what libmilter now does differently).
# Usage: tests/interop/record-captures.sh        (from anywhere; needs the .NET SDK, gcc and libmilter-dev)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(dpkg-query -W -f='${Version}' libmilter1.0.1 2>/dev/null || echo unknown)
cd "$root"
MILTER_RECORD_CAPTURES=1 MILTER_LIBMILTER_VERSION="$version" \
    dotnet test tests/Milter.Interop.Tests -c Debug --nologo \
    --filter "FullyQualifiedName~ConformanceProbeTests.Probe_AgainstLibmilter_MatchesTheCommittedCapture"
echo "recorded tests/Milter.Interop.Tests/Captures/probe-libmilter.txt (libmilter $version):"
cat tests/Milter.Interop.Tests/Captures/probe-libmilter.txt
