#!/bin/sh
# convert.sh OUTPUT PLANE... — all planes of one realization in one file: "plane value" lines.
set -eu
out=$1; shift
awk 'FNR == 1 { plane++ } { print plane - 1, $1 }' "$@" > "$out"
