# SPDX-License-Identifier: BSD-3-Clause
# A cut-away stored with --name keeps its clipping plane in the scene: verify re-renders it from
# the stored scene byte for byte, and the figure differs from the uncut one.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" -q init > /dev/null
"$TRACEMESH" -q publish skull --dicom in > /dev/null
"$TRACEMESH" -q render skull --size 160x160 -o uncut.png
"$TRACEMESH" -q render skull --size 160x160 --clip 0,0,0:0,-1,0 --name fig-cut \
    -o cut.png > /dev/null
if cmp -s uncut.png cut.png; then exit 7; fi
"$TRACEMESH" verify fig-cut@1 | grep -q '^  ok        render           byte-identical'
