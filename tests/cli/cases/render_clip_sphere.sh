# SPDX-License-Identifier: BSD-3-Clause
# A cut-away of the sphere phantom through its centre, normal +L: the anterior view keeps the
# viewer's left half. In the SVG line art no line lies in the removed half (right of the kept
# fill), and the cut outline runs along the cut from the top of the sphere to its bottom.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$PHANTOM" sph --shape sphere > /dev/null
"$TRACEMESH" -q build sph --preset bone --smooth 10 -o sph.stl > /dev/null
# the centre of the bounding box, L,P,S
c=$("$TRACEMESH" check --json sph.stl | awk '{
    match($0, /"bbox_max_mm": \[[^]]*\]/); split(substr($0, RSTART + 16, RLENGTH - 17), hi, ", ")
    match($0, /"bbox_min_mm": \[[^]]*\]/); split(substr($0, RSTART + 16, RLENGTH - 17), lo, ", ")
    printf "%g,%g,%g\n", (hi[1] + lo[1]) / 2, (hi[2] + lo[2]) / 2, (hi[3] + lo[3]) / 2 }')
"$TRACEMESH" -q render sph.stl --style line --dpi 72 --size 300x300 --no-scale-bar \
    --no-orientation -o full.svg
"$TRACEMESH" -q render sph.stl --style line --dpi 72 --size 300x300 --no-scale-bar \
    --no-orientation --clip "$c:1,0,0" -o cut.svg
# x0 x1 y0 y1 of the points of the paths whose style has $1
bbox() {
    awk -v s="$1" 'index($0, s) && match($0, / d="[^"]*"/) {
        d = substr($0, RSTART + 4, RLENGTH - 5); n = split(d, t, " "); k = 0
        for (i = 1; i <= n; i++)
            if (t[i] ~ /^-?[0-9.]+$/) {
                if (k % 2 == 0) x = t[i]
                else {
                    if (m == 0 || x < x0) x0 = x; if (m == 0 || x > x1) x1 = x
                    if (m == 0 || t[i] < y0) y0 = t[i]; if (m == 0 || t[i] > y1) y1 = t[i]
                    m++
                }
                k++
            }
    } END { if (m == 0) exit 1; print x0, x1, y0, y1 }' "$2"
}
fill=$(bbox "fill:rgb(93%,93%,92%)" full.svg)
kept=$(bbox "fill:rgb(93%,93%,92%)" cut.svg)
lines=$(bbox "stroke:rgb(10%,10%,10%)" cut.svg)
# the kept fill ends at the middle of the whole sphere; no line right of it
echo "$fill $kept $lines" | awk '{
    mid = ($1 + $2) / 2; r = ($2 - $1) / 2
    if ($6 > mid + 2 || $6 < mid - 2) { print "kept fill ends at " $6 ", not " mid; exit 1 }
    if ($10 > $6 + 1.5) { print "a line at x " $10 " lies in the removed half"; exit 1 }
}' >&2
# the cut outline: points on the cut column spanning the sphere's height
awk -v f="$fill" 'BEGIN { split(f, b, " "); mid = (b[1] + b[2]) / 2 }
    index($0, "stroke:rgb(10%,10%,10%)") && match($0, / d="[^"]*"/) {
        d = substr($0, RSTART + 4, RLENGTH - 5); n = split(d, t, " "); k = 0
        for (i = 1; i <= n; i++)
            if (t[i] ~ /^-?[0-9.]+$/) {
                if (k % 2 == 0) x = t[i]
                else if (x > mid - 1.5 && x < mid + 1.5) {
                    if (m == 0 || t[i] < y0) y0 = t[i]; if (m == 0 || t[i] > y1) y1 = t[i]; m++
                }
                k++
            }
    } END {
        h = b[4] - b[3]
        if (m == 0 || y1 - y0 < 0.9 * h) { print "no cut outline across the sphere"; exit 1 }
    }' cut.svg >&2
