# SPDX-License-Identifier: BSD-3-Clause
# Versions 1..3 of one asset: a build from DICOM, a build with another parameter, a hand edit
# of version 2. Parents are right, every export traces to the same DICOM files, and verify
# replays version 3 from the scan (the hand edit checked by re-import).
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
"$TRACEMESH" publish skull --dicom in --note "first build" > v1.txt
"$TRACEMESH" -q publish skull --dicom in --smooth 5 --note "smoother" > v2.txt
grep -q '^skull@1 [0-9a-f]\{64\}$' v1.txt
grep -q '^skull@2 [0-9a-f]\{64\}$' v2.txt
"$TRACEMESH" -q export skull@2 -o v2.obj > /dev/null
# The hand edit: move one vertex by a millimetre.
awk '/^v / && !done { $2 = $2 + 1.0; done = 1 } { print }' v2.obj > edited.obj
"$TRACEMESH" publish skull --from edited.obj --note "moved a vertex by hand" > v3.txt
grep -q '^skull@3 ' v3.txt
"$TRACEMESH" log skull --json > log.json
grep -q '"version":1,.*"parent":null' log.json
grep -q '"version":2,.*"operation":"smooth","parent":"skull@1"' log.json
grep -q '"version":3,.*"operation":"hand-edit","parent":"skull@2"' log.json
"$TRACEMESH" show skull@3 > show.txt
grep -q '^input       base     mesh     '"$(cut -d' ' -f2 v2.txt)"'$' show.txt
grep -q '^review      unreviewed$' show.txt
# Every export of every version reaches the same 16 DICOM files.
for v in 1 2 3; do
    for ext in stl obj ply; do
        "$TRACEMESH" -q export skull@$v -o s$v.$ext > /dev/null
        test -s s$v.$ext.prov.json
        "$TRACEMESH" trace s$v.$ext > t$v$ext.txt
        grep -q "unchanged since export of skull@$v ($ext)" t$v$ext.txt
        grep '^ *dicom ' t$v$ext.txt | awk '{print $2, $4, $6, $7}' | sort > d$v$ext.txt
        test "$(wc -l < d$v$ext.txt)" -eq 16
        cmp d1stl.txt d$v$ext.txt
    done
done
if grep -q -v ' ok$' d1stl.txt; then exit 1; fi
head -c 80 s2.stl | grep -q "asset=skull@2 mesh=$(cut -c9-40 v2.txt)"
grep -q "^# asset=skull@3 mesh=$(cut -d' ' -f2 v3.txt)$" s3.obj
grep -q "^comment asset=skull@1 mesh=$(cut -d' ' -f2 v1.txt)$" s1.ply
"$TRACEMESH" verify skull@3 > verify.txt
grep -q '^3 of 4 links replayed byte-identical, 1 hand edit checked by re-import$' verify.txt
"$TRACEMESH" verify --all > all.txt
grep -q '^3 of 3 versions verified$' all.txt
"$TRACEMESH" verify s2.stl
