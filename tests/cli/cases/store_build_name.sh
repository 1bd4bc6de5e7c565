# SPDX-License-Identifier: BSD-3-Clause
# 'build --name' runs the build pipeline into the store: the file it writes is the same mesh
# as a plain build, the version is published with every step recorded, the written file
# traces to the DICOM files and verify replays the chain. A second build with a note is
# version 2 with version 1 as its parent.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" -q build in --smooth 5 --keep-largest -o plain.stl > plain.txt
"$TRACEMESH" init store > /dev/null
"$TRACEMESH" build in --smooth 5 --keep-largest --name skull --store store/.tracemesh \
    -o named.stl > named.txt 2> named.err
grep -q '^skull@1 [0-9a-f]\{64\}$' named.txt
grep -q '^named.stl: .* closed$' named.txt
# Same geometry as the plain build (the files differ only in nothing: both untagged).
cmp plain.stl named.stl
"$TRACEMESH" log skull --store store/.tracemesh --json > log.json
# keep-largest dropped nothing, so it is no link: the mesh comes from the smoothing.
grep -q '"version":1,.*"operation":"smooth"' log.json
"$TRACEMESH" trace named.stl --store store/.tracemesh > trace.txt
grep -q 'unchanged since export of skull@1 (stl)' trace.txt
test "$(grep -c '^ *dicom .* ok$' trace.txt)" -eq 16
"$TRACEMESH" verify skull --store store/.tracemesh > verify.txt
grep -q '^3 of 3 links replayed byte-identical' verify.txt
cd store
"$TRACEMESH" -q build ../in --name skull --note "plain bone" -o ../v2.stl > ../v2.txt
cd ..
grep -q '^skull@2 ' v2.txt
"$TRACEMESH" log skull --store store/.tracemesh --json > log2.json
grep -q '"version":2,.*"parent":"skull@1"' log2.json
# Bad uses: a bad asset name, --note without --name, no store at all.
if "$TRACEMESH" build in --name ../x -o x.stl 2> e1.txt; then exit 1; fi
grep -q "invalid value for --name" e1.txt
if "$TRACEMESH" build in --note hello -o x.stl 2> e2.txt; then exit 1; fi
grep -q -- "--note and --store need --name" e2.txt
mkdir -p empty && cd empty
if TRACEMESH_STORE= "$TRACEMESH" build ../in --name skull -o x.stl 2> ../e3.txt; then exit 1; fi
cd ..
grep -q "no tracemesh store found" e3.txt
test ! -e empty/x.stl
