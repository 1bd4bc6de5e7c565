# SPDX-License-Identifier: BSD-3-Clause
# The same scene renders to byte-identical PNGs twice, and verify re-renders a stored figure
# from its stored scene and finds the stored image byte for byte (same renderer).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$PHANTOM" in --shape marker --size 32x32x16 > /dev/null
"$TRACEMESH" -q init > /dev/null
"$TRACEMESH" -q publish skull --dicom in > /dev/null
"$TRACEMESH" -q render skull@1 --size 200x150 --view left --label Marker --at 0,0,0 -o a.png
"$TRACEMESH" -q render skull@1 --size 200x150 --view left --label Marker --at 0,0,0 -o b.png
cmp a.png b.png
"$TRACEMESH" -q render skull --size 200x150 --title "Skull" --name fig-front -o fig.png > /dev/null
"$TRACEMESH" verify fig-front > verify.txt
grep -q '^verify figure fig-front@1 (png, image [0-9a-f]\{16\}\.\.\.)$' verify.txt
grep -q '^  ok        stored objects   ' verify.txt
grep -q '^\([0-9]*\) of \1 links replayed byte-identical$' verify.txt
grep -q '^  ok        render           byte-identical to the stored image (VTK ' verify.txt
"$TRACEMESH" verify fig.png | grep -q '^  ok        figure file      fig.png is the stored image$'
"$TRACEMESH" verify --all | grep -q '^1 of 1 figure versions verified$'
