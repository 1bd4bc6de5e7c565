#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Install the Debian 12 packages that building, testing and the demo need, and only those that
# are missing. Run as root (make demo / make test call it). Libraries first (VTK renders on
# a private Xvfb with Mesa's software GL); then the tools the tests call: dcmtk's
# dcmodify/dcmdump (malformed-input cases), nibabel (NIfTI checks), pdfimages, xmllint,
# rsvg-convert and exiftool (figures), dciodvfy (DICOM export), VTK's Python module (the
# flying-edges cross-check), scipy (a second implementation of segmentation), assimp-utils
# (`assimp info` on exported files) and Node.js with the Khronos glTF validator (tools/node, pinned
# by its package-lock.json). 'install-deps.sh --bench' adds what bench/ compares against.
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
librsvg2-bin
libimage-exiftool-perl
dicom3tools
python3-vtk9
python3-scipy
assimp-utils
"
BENCH_PACKAGES="
python3-skimage
dcm2niix
time
"
if [ "${1:-}" = "--bench" ]; then
    PACKAGES="$PACKAGES $BENCH_PACKAGES"
fi
# Node.js: any installed node with npm will do; otherwise Debian's.
if ! command -v npm >/dev/null 2>&1; then
    PACKAGES="$PACKAGES nodejs npm"
fi
here=$(cd "$(dirname "$0")" && pwd)

install_node_tools() {
    if [ -f "$here/node/node_modules/gltf-validator/package.json" ]; then
        return 0
    fi
    echo "tracemesh: installing the glTF validator (npm) into tools/node" >&2
    if (cd "$here/node" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1); then
        return 0
    fi
    # A proxy that re-signs TLS with a CA this system does not know (seen on fresh chroots
    # behind an intercepting proxy): retry without TLS verification. What is installed is still
    # checked against the SHA-512 that package-lock.json pins.
    echo "tracemesh: npm failed; retrying without TLS verification (the package-lock.json" \
        "SHA-512 still checks the package)" >&2
    if ! (cd "$here/node" && npm ci --no-audit --no-fund --loglevel=error --strict-ssl=false \
        >/dev/null); then
        echo "tracemesh: could not install the glTF validator from the npm registry;" \
            "the glTF validation test will fail" >&2
        return 1
    fi
}

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
if [ -z "$missing" ]; then
    install_node_tools
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
install_node_tools
