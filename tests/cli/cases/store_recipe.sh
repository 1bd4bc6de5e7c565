# SPDX-License-Identifier: BSD-3-Clause
# A version built with a segmentation recipe records the recipe's canonical record, and
# verify replays the segment link (and every other) byte-identical.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
printf 'preset bone\nclose 1.5\nkeep-largest\nlabel 1 skull\n' > bone.recipe
"$TRACEMESH" -q publish skull --dicom in --recipe bone.recipe --smooth 3 > v1.txt
"$TRACEMESH" trace skull --json > trace.json
grep -q '"operation":"segment"' trace.json
"$TRACEMESH" verify skull > verify.txt
grep -q '^  ok        segment          labels ' verify.txt
grep -q '^4 of 4 links replayed byte-identical$' verify.txt
if "$TRACEMESH" publish skull --dicom in --recipe bone.recipe --preset bone 2> /dev/null; then
    exit 1
fi
n=$(find .tracemesh/objects -type f | wc -l)
if "$TRACEMESH" publish skull --dicom in --recipe missing.recipe 2> missing.err; then exit 1; fi
test "$(find .tracemesh/objects -type f | wc -l)" -eq "$n"
printf 'threshold 200\n' > bad.recipe
"$TRACEMESH" publish skull --dicom in --recipe bad.recipe
