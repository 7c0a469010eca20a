#!/bin/sh
# lensplanes.sh PARAMS REALIZATION PLANE_FILE... — one file per plane, 64 deterministic
# pseudo-random "surface densities" each (Park–Miller generator, exact in awk's doubles).
set -eu
params=$1; realization=$2; shift 2
index=0
for plane in "$@"; do
    awk -v real="$realization" -v plane="$index" '
        $1 == "amplitude" { amp = $2 } $1 == "seed" { seed = $2 }
        END {
            sub(/^r/, "", real)
            x = (seed * 1000 + real * 40 + plane + 1) % 2147483647
            for (i = 0; i < 64; i++) {
                s = 0
                for (k = 0; k < 4; k++) { x = (x * 16807) % 2147483647; s += x / 2147483647 }
                printf "%.6f\n", amp * (s - 2)
            }
        }' "$params" > "$plane"
    index=$((index + 1))
done
