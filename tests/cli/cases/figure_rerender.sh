# SPDX-License-Identifier: BSD-3-Clause
# rerender --asset re-renders every stored figure that shows the asset with its newest approved
# version, as the figure's next version; an unapproved newer version changes nothing.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" -q init > /dev/null
"$TRACEMESH" -q publish skull --dicom in > /dev/null
"$TRACEMESH" -q review skull@1 --approve --by "Dr A" > /dev/null
"$TRACEMESH" -q render skull --size 160x160 --name fig-front -o front.png > /dev/null
"$TRACEMESH" -q render skull --style line --size 160x160 --name fig-side --view left \
    -o side.svg > /dev/null
"$TRACEMESH" -q publish skull --dicom in > /dev/null
"$TRACEMESH" -q rerender --asset skull > none.txt
test ! -s none.txt
"$TRACEMESH" -q review skull@2 --approve --by "Dr A" > /dev/null
"$TRACEMESH" -q rerender --asset skull > made.txt
test "$(wc -l < made.txt)" -eq 2
grep -Eq '^fig-front@2 [0-9a-f]{64}$' made.txt
grep -Eq '^fig-side@2 [0-9a-f]{64}$' made.txt
"$TRACEMESH" trace fig-front | grep -q '^shows     skull@2 approved, mesh '
"$TRACEMESH" trace fig-front@1 | grep -q '^shows     skull@1 approved, mesh '
"$TRACEMESH" trace fig-side | grep -q '^figure    fig-side@2 svg image '
"$TRACEMESH" -q rerender --asset skull > again.txt
test ! -s again.txt
"$TRACEMESH" verify fig-side@2 | grep -q '^  ok        render           byte-identical'
