#!/bin/sh
# Runs the whole test suite (installing the system packages it needs first).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-system-packages.sh
swift build --build-tests
swift test
