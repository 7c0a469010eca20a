#!/bin/sh
# planes.sh SOURCE PLANE... — each plane: the source text and the plane's index.
src=$1; shift
i=0
for p in "$@"; do
    { cat "$src"; echo "plane $i"; } > "$p"
    i=$((i + 1))
done
