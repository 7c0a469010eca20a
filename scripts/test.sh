#!/bin/sh
# Runs the whole test suite (installing the system packages it needs first).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-system-packages.sh
# The SLURM backend's tests run against a real single-node SLURM on this machine (needs root).
bash scripts/slurm-local.sh start
swift build --build-tests
swift test --disable-xctest
