#!/bin/sh
# summary.sh OUTPUT MAP... — per map its mean square convergence, then the mean and scatter over maps.
set -eu
out=$1; shift
awk '
    FNR == 1 && NR > 1 { p[m++] = sum / cnt; sum = 0; cnt = 0 }
    { sum += $1 * $1; cnt++ }
    END {
        p[m++] = sum / cnt
        print "map,power"
        for (i = 0; i < m; i++) { printf "%d,%.6f\n", i, p[i]; mean += p[i] }
        mean /= m
        for (i = 0; i < m; i++) var += (p[i] - mean) ^ 2
        printf "mean,%.6f\nscatter,%.6f\n", mean, sqrt(var / m)
    }' "$@" > "$out"
