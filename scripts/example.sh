#!/bin/sh
# Builds dbuild and runs the example pipeline (the repository's Datafile) end to end, then verifies it.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-system-packages.sh
swift build
.build/debug/dbuild all
.build/debug/dbuild verify
