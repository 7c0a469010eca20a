#!/bin/sh
# Builds a release dbuild (with the Rules library a Datafile compiles against, which it finds beside
# its own executable) and links it into $PREFIX/bin (default ~/.local/bin), which should be on PATH.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-system-packages.sh
for product in dbuild RulesStatic DatafileTraceStatic; do swift build -c release --product "$product"; done
bin="${PREFIX:-$HOME/.local}/bin"
mkdir -p "$bin"
ln -sf "$PWD/.build/release/dbuild" "$bin/dbuild"
echo "dbuild is $bin/dbuild (a link into this checkout's .build/release)"
case ":$PATH:" in *":$bin:"*) ;; *) echo "add it to PATH: export PATH=\"$bin:\$PATH\"" ;; esac
