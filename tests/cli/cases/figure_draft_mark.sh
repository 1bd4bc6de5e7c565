# SPDX-License-Identifier: BSD-3-Clause
# The DRAFT mark is drawn exactly when a version shown has no approved review: crimson pixels
# of the mark in the PNG (and tmesh:draft in the XMP) for an unreviewed and a rejected version,
# none after approval; --draft is refused for assets (the reviews decide).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
px() { python3 "$SRC/tests/cli/cases/figure_png_pixels.py" "$@"; }
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" -q init > /dev/null
"$TRACEMESH" -q publish skull --dicom in > /dev/null
"$TRACEMESH" -q render skull --size 160x160 --name fig-front -o unreviewed.png > /dev/null
test "$(px unreviewed.png crimson 10)" -gt 1000
exiftool -s -s -s -XMP-tmesh:Draft unreviewed.png | grep -qx True
"$TRACEMESH" -q review skull@1 --approve --by "Dr A" > /dev/null
"$TRACEMESH" -q render skull --size 160x160 -o approved.png
test "$(px approved.png crimson)" -eq 0
exiftool -s -s -s -XMP-tmesh:Draft approved.png | grep -qx False
mkdir out
"$TRACEMESH" -q rerender --asset skull -o out > rerender.txt
grep -Eq '^fig-front@2 [0-9a-f]{64}$' rerender.txt
test "$(px out/fig-front@2.png crimson)" -eq 0
"$TRACEMESH" -q review skull@1 --reject --by "Dr B" --note "jaw missing" > /dev/null
"$TRACEMESH" -q render skull --size 160x160 -o rejected.png
test "$(px rejected.png crimson 10)" -gt 1000
"$TRACEMESH" render skull --draft -o x.png
