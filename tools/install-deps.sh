#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Install the Debian 12 packages that building, testing and the demo need, and only those that
# are missing. Run as root (make demo / make test call it). Libraries first (VTK renders on
# a private Xvfb with Mesa's software GL); then the tools the tests call: dcmtk's
# dcmodify/dcmdump (malformed-input cases), nibabel (NIfTI checks), pdfimages and xmllint
# (vector figures).
set -eu

PACKAGES="
build-essential
cmake
pkg-config
zlib1g-dev
nettle-dev
libjansson-dev
libdcmtk-dev
libopenjp2-7-dev
libnifti2-dev
libcmocka-dev
libsqlite3-dev
libpng-dev
libmeshoptimizer-dev
libassimp-dev
libvtk9-dev
libcairo2-dev
libx11-dev
xvfb
xauth
libgl1-mesa-dri
fonts-dejavu-core
dcmtk
python3-nibabel
python3-numpy
poppler-utils
libxml2-utils
"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "tracemesh: these Debian packages are missing:$missing" >&2
    echo "tracemesh: run 'make deps' as root, or install them with apt-get" >&2
    exit 1
fi
echo "tracemesh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
