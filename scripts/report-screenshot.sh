#!/bin/sh
# Makes docs/report.png: the example pipeline built in a neutral folder (so the page names no one's
# checkout), damaged as the README's verify example describes, reported, and shot in headless Chromium.
# Needs `swift build` first (dbuild and dsynth) and chromium. Usage: scripts/report-screenshot.sh [FOLDER]
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-/tmp/lensing-suite}
rm -rf "$dir"
mkdir -p "$dir/.build/debug"
cp "$repo/Datafile" "$repo/models.csv" "$dir/"
cp "$repo/.build/debug/dsynth" "$dir/.build/debug/dsynth"
cd "$dir"
"$repo/.build/debug/dbuild" all -q
rm data/LP/replace/r0/plane1.h5 data/RT/hydro/r1/run003.h5
truncate -s 200 data/PS/dmo/r0/run002.h5
"$repo/.build/debug/dbuild" report
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1150,1250 \
    --screenshot="$repo/docs/report.png" "file://$dir/logs/report.html" 2>/dev/null
echo "wrote $repo/docs/report.png from $dir"
