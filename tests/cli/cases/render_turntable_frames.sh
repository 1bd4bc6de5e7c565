# SPDX-License-Identifier: BSD-3-Clause
# --turntable N writes N numbered frames beside -o; frame 0 has the pixels of the plain figure
# (the PNG image data is equal byte for byte; only the frame's provenance entries differ), each
# frame records its index and count, and the left-sided marker of the marker phantom moves from
# the viewer's right (anterior view) to the left after 180 degrees.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$PHANTOM" mk --shape marker > /dev/null
"$TRACEMESH" -q build mk --preset bone -o mk.stl > /dev/null
# the concatenated IDAT data of a PNG, as hex
idat() {
    od -An -v -tx1 "$1" | tr -s ' \n' '\n\n' | grep -v '^$' | awk '
        NR <= 8 { next }
        { b[n++] = $1 }
        END {
            i = 0
            while (i + 8 <= n) {
                len = 0
                for (k = 0; k < 4; k++) len = len * 256 + ("0x" b[i + k]) + 0
                t = b[i + 4] b[i + 5] b[i + 6] b[i + 7]
                if (t == "49444154") for (k = 0; k < len; k++) print b[i + 8 + k]
                i += 12 + len
            }
        }'
}
"$TRACEMESH" -q render mk.stl --style clinical --size 160x160 -o plain.png
"$TRACEMESH" -q render mk.stl --style clinical --size 160x160 --turntable 3 -o tt.png
test -f tt-000.png && test -f tt-001.png && test -f tt-002.png && test ! -e tt-003.png
test ! -e tt.png
idat plain.png > a.hex
idat tt-000.png > b.hex
test -s a.hex
cmp -s a.hex b.hex
grep -aq "turntable_frames" tt-001.png
# SVG: frame 0 equals the plain figure but for its metadata; the marker side after 180 degrees
"$TRACEMESH" -q render mk.stl --style line --size 300x300 -o plain.svg
"$TRACEMESH" -q render mk.stl --style line --size 300x300 --turntable 2 -o tt.svg
sed '/<metadata>/,/<\/metadata>/d' plain.svg > a.svg
sed '/<metadata>/,/<\/metadata>/d' tt-000.svg > b.svg
cmp -s a.svg b.svg
grep -q '<tmesh:turntable_frame>1</tmesh:turntable_frame>' tt-001.svg
grep -q '<tmesh:turntable_frames>2</tmesh:turntable_frames>' tt-001.svg
# the side of the marker rod: the ball is the column of the fill with the largest height; the
# rod lies on the other side of the middle of the fill's width
side() {
    awk 'index($0, "fill:rgb(93%,93%,92%)") && match($0, / d="[^"]*"/) {
        d = substr($0, RSTART + 4, RLENGTH - 5); n = split(d, t, " "); k = 0
        for (i = 1; i <= n; i++)
            if (t[i] ~ /^-?[0-9.]+$/) {
                if (k % 2 == 0) x = t[i]
                else {
                    c = int(x / 2)
                    if (!(c in lo) || t[i] < lo[c]) lo[c] = t[i]
                    if (!(c in hi) || t[i] > hi[c]) hi[c] = t[i]
                    if (x < x0 || m == 0) x0 = x
                    if (x > x1 || m == 0) x1 = x
                    m++
                }
                k++
            }
    } END {
        best = -1
        for (c in lo) if (hi[c] - lo[c] > best) { best = hi[c] - lo[c]; bc = c }
        print (2 * bc + 1 < (x0 + x1) / 2) ? "right" : "left"
    }' "$1"
}
test "$(side tt-000.svg)" = right
test "$(side tt-001.svg)" = left
