#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# make demo: the main job on the real sample scan in datasets/ (Visible Human Female head, every
# third slice). Runs every pipeline stage the build has, writes into demo-output/ and prints
# where each result is.
set -eu
build=${1:-build}
tm="$build/cli/tracemesh"
scan=datasets/vhf-head-3mm/dicom
out=demo-output
mkdir -p "$out"

has() { "$tm" help "$1" >/dev/null 2>&1; }

echo "== tracemesh scan $scan"
"$tm" scan "$scan"
echo
echo "== tracemesh info $scan"
"$tm" info "$scan"
echo
echo "== tracemesh volume $scan -o $out/vhf-head.nii.gz"
"$tm" volume "$scan" -o "$out/vhf-head.nii.gz" --manifest "$out/vhf-head.manifest.json"
made="$out/vhf-head.nii.gz $out/vhf-head.manifest.json"

if has build; then
    echo
    echo "== tracemesh build $scan --preset bone --smooth 10 --min-area 1000 -o $out/skull.stl"
    "$tm" build "$scan" --preset bone --smooth 10 --min-area 1000 -o "$out/skull.stl"
    made="$made $out/skull.stl"
    if has check; then
        echo
        echo "== tracemesh check $out/skull.stl"
        "$tm" check "$out/skull.stl"
    fi
fi
if has render && [ -f "$out/skull.stl" ]; then
    echo
    echo "== tracemesh render $out/skull.stl --view anterior --style shaded -o $out/skull-anterior.png"
    "$tm" render "$out/skull.stl" --view anterior --style shaded --size 1600x1600 \
        --title "Skull from Visible Human Project CT, courtesy of the U.S. National Library of Medicine" -o "$out/skull-anterior.png"
    echo "== tracemesh render $out/skull.stl --view left --style line -o $out/skull-left.svg"
    "$tm" render "$out/skull.stl" --view left --style line --size 1600x1600 \
        -o "$out/skull-left.svg"
    made="$made $out/skull-anterior.png $out/skull-left.svg"
fi

echo
echo "demo results:"
for f in $made; do
    echo "  $(pwd)/$f"
done
has build || echo "  (no mesh yet: this build has no 'build' command; see README 'Status')"
has render || echo "  (no figure yet: this build has no 'render' command; see README 'Status')"
