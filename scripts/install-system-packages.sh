#!/bin/sh
# Installs the Debian packages dbuild builds against, when missing. Idempotent; needs root (or sudo).
set -eu
packages="libsqlite3-dev libxxhash-dev pkg-config openmpi-bin libopenmpi-dev libhdf5-dev libfftw3-dev hdf5-tools"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
$sudo apt-get install -y -qq -o DPkg::Lock::Timeout=600 $missing
