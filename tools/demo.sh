#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# make demo: the main job on the real sample scan in datasets/ (Visible Human Female head, every
# third slice). Runs every pipeline stage into a store in demo-output/ (mesh, Blender export,
# a shaded figure and a line drawing, the trace of the figure, a verify) and prints where each
# result is.
set -eu
build=${1:-build}
tm="$build/cli/tracemesh"
scan=datasets/vhf-head-3mm/dicom
out=demo-output
mkdir -p "$out"

echo "== tracemesh scan $scan"
"$tm" scan "$scan"
echo
echo "== tracemesh info $scan"
"$tm" info "$scan"
echo
echo "== tracemesh volume $scan -o $out/vhf-head.nii.gz"
"$tm" volume "$scan" -o "$out/vhf-head.nii.gz" --manifest "$out/vhf-head.manifest.json"
made="$out/vhf-head.nii.gz $out/vhf-head.manifest.json"

# The asset store of the demo: every step below is stored with its provenance.
if [ ! -d "$out/.tracemesh" ]; then
    "$tm" init "$out" >/dev/null
fi
TRACEMESH_STORE="$(pwd)/$out/.tracemesh"
export TRACEMESH_STORE

echo
echo "== tracemesh build $scan --preset bone --smooth 10 --min-area 1000 --name skull -o $out/skull.stl"
"$tm" build "$scan" --preset bone --smooth 10 --min-area 1000 --name skull -o "$out/skull.stl"
echo
echo "== tracemesh check $out/skull.stl"
"$tm" check "$out/skull.stl"
echo
echo "== tracemesh export skull -o $out/skull.glb (for Blender; provenance inside and in skull.glb.prov.json)"
"$tm" export skull -o "$out/skull.glb"
echo
echo "== tracemesh render skull --view anterior --style shaded --name skull-anterior -o $out/skull-anterior.png"
"$tm" render skull --view anterior --style shaded --size 1600x1600 --name skull-anterior \
    --title "Skull from Visible Human Project CT, courtesy of the U.S. National Library of Medicine" \
    -o "$out/skull-anterior.png"
echo "== tracemesh render skull --view left --style line --name skull-left -o $out/skull-left.svg"
"$tm" render skull --view left --style line --size 1600x1600 --name skull-left -o "$out/skull-left.svg"
echo
echo "== tracemesh trace $out/skull-anterior.png (first lines: the figure down to the DICOM files)"
"$tm" trace "$out/skull-anterior.png" | head -n 12
echo "   ..."
echo
echo "== tracemesh verify skull (replays every link from the DICOM files)"
"$tm" verify skull
made="$made $out/skull.stl $out/skull.glb $out/skull-anterior.png $out/skull-left.svg $out/.tracemesh"

echo
echo "demo results:"
for f in $made; do
    echo "  $(pwd)/$f"
done
echo "The figures are DRAFT until a version is reviewed: tracemesh review skull --approve --by NAME"
echo "then 'tracemesh rerender --asset skull' makes new versions of both figures without the mark."
