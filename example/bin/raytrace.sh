#!/bin/sh
# raytrace.sh CONVERTED RUN OUTPUT — a convergence "map": planes summed with lensing weights
# w(i) = i (n - i) along a line of sight shifted by the run number.
set -eu
awk -v run="$2" '
    { v[$1, count[$1]++] = $2; if ($1 + 1 > n) n = $1 + 1 }
    END {
        sub(/^run0*/, "", run); shift = (run * 7) % 64
        for (j = 0; j < 64; j++) {
            k = 0
            for (i = 0; i < n; i++) k += i * (n - i) * v[i, (j + shift * (i + 1)) % 64]
            printf "%.6f\n", k / n
        }
    }' "$1" > "$3"
