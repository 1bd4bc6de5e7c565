# SPDX-License-Identifier: BSD-3-Clause
# trace on a stored figure's PNG and SVG (and on FIG@N) reaches the DICOM files through the
# render derivation, the asset's mesh and its chain, every hash checked.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" -q init > /dev/null
"$TRACEMESH" -q publish skull --dicom in > /dev/null
"$TRACEMESH" -q render skull --size 160x160 --name fig-front -o fig.png > /dev/null
"$TRACEMESH" -q render skull --style line --size 160x160 --name fig-line -o fig.svg > /dev/null
ndcm=$(ls in | grep -c '\.dcm$')
for t in fig.png fig.svg fig-front@1 fig-line; do
    "$TRACEMESH" trace "$t" > trace.txt
    grep -q '^figure    fig-[a-z]*@1 [a-z]* image [0-9a-f]\{64\}$' trace.txt
    grep -q '^shows     skull@1 unreviewed, mesh [0-9a-f]\{64\}$' trace.txt
    grep -q '^figure   [0-9a-f]\{64\} ok <- render \[derivation [0-9a-f]\{12\} ok\]$' trace.txt
    grep -q '^  figure   [0-9a-f]\{64\} ok (scene)$' trace.txt
    grep -q "^ *$ndcm DICOM files in " trace.txt
    test "$(grep -c '^ *dicom    IM[0-9]*\.dcm sha256 [0-9a-f]\{64\} sop .* ok$' trace.txt)" -eq "$ndcm"
    grep -q " $ndcm DICOM files, 0 problems$" trace.txt
done
"$TRACEMESH" trace fig.svg | grep -q '^file      fig.svg sha256 [0-9a-f]\{64\}: unchanged, the image of fig-line@1$'
"$TRACEMESH" trace --json fig.png > trace.json
python3 -c 'import json,sys; d=json.load(open("trace.json")); assert d["figure"]["name"]=="fig-front" and d["problems"]==0 and d["dicom_files"]>0, d'
