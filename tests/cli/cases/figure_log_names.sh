# SPDX-License-Identifier: BSD-3-Clause
# log lists figures after the assets and a figure's versions by its name; a figure's name
# cannot be taken by an asset.
# Mesa's software GL driver and fontconfig leak at exit under LeakSanitizer
# (see render_line_svg_pdf): leak checking is off for these processes.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" -q init > /dev/null
"$TRACEMESH" -q publish skull --dicom in > /dev/null
"$TRACEMESH" -q render skull --size 64x64 --name front -o f1.png > /dev/null
"$TRACEMESH" -q render skull --size 96x96 --name front -o f2.png > /dev/null
"$TRACEMESH" log > log.txt
grep -q '^skull .* latest skull@1 mesh ' log.txt
grep -q '^front  *figure, 2 versions, latest front@2 png [0-9a-f]\{12\} shows skull@1$' log.txt
"$TRACEMESH" log front > front.txt
test "$(head -n 1 front.txt | cut -d' ' -f1)" = "front@2"
grep -q '^front@1  png ' front.txt
"$TRACEMESH" log front --json > front.json
grep -q '^\[{"figure":"front","version":1,.*"shows":\["skull@1"\]' front.json
grep -q "\"image\":\"$(sha256sum f2.png | cut -d' ' -f1)\"" front.json
"$TRACEMESH" -q export skull -o s.stl > /dev/null
if "$TRACEMESH" publish front --from s.stl 2> e.txt; then exit 1; fi
grep -q "asset name 'front' is taken by a figure" e.txt
