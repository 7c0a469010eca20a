#!/bin/sh
# Runs the whole test suite (installing the system packages it needs first).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-system-packages.sh
# The report's test renders it in a real browser.
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 chromium >/dev/null; }
# The SQLite command line tool: tests build an archive inventory to query from a Datafile.
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 sqlite3 >/dev/null; }
# Zarr stores written by the zarr package are the folder products of ZarrStoreTests (PyPI).
python3 -c 'import zarr' 2>/dev/null || python3 -m pip install -q zarr
# The SLURM backend's tests run against a real single-node SLURM on this machine (needs root).
bash scripts/slurm-local.sh start
# A clean build prints no warning of ours (the example's first screen is not 110 warnings).
log=$(mktemp)
status=0
swift build --build-tests > "$log" 2>&1 || status=$?
cat "$log"
[ "$status" -eq 0 ] || exit "$status"
ours=$(grep -E "warning:" "$log" | grep -E "/(Sources|Tests)/|unhandled" | grep -v "/\.build/" | sort -u || true)
rm -f "$log"
if [ -n "$ours" ]; then echo "warnings in dbuild's own code:"; echo "$ours"; exit 1; fi
swift test --disable-xctest
