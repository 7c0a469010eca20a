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
swift build --build-tests
swift test --disable-xctest
