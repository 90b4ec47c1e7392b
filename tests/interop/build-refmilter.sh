#!/bin/sh
# Build the libmilter reference milter (refmilter.c) into OUTDIR/refmilter.
# Usage: build-refmilter.sh OUTDIR
# Needs gcc and libmilter-dev (Debian: apt-get install gcc libmilter-dev).
set -eu
if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$1
CC=${CC:-gcc}
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "build-refmilter: C compiler '$CC' not found (install gcc)" >&2
    exit 1
fi
if [ ! -f /usr/include/libmilter/mfapi.h ] && ! echo '#include <libmilter/mfapi.h>' | "$CC" -E - >/dev/null 2>&1; then
    echo "build-refmilter: libmilter headers not found (install libmilter-dev)" >&2
    exit 1
fi
mkdir -p "$OUT"
"$CC" -O2 -Wall -Wextra -std=gnu11 -pthread -o "$OUT/refmilter" "$HERE/refmilter.c" -lmilter -lpthread || {
    echo "build-refmilter: compile/link failed (is libmilter-dev installed?)" >&2
    exit 1
}
echo "built $OUT/refmilter"
