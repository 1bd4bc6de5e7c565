# SPDX-License-Identifier: BSD-3-Clause
# The two-step path into the store: 'segment --name' publishes a label asset, 'mesh --name'
# meshes it (from the NIfTI file segment wrote, or by NAME@V) into a mesh asset. Each chain
# reaches the DICOM files, verify replays every link, fsck is clean, and labels that cannot
# be traced are refused.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
"$TRACEMESH" segment in --preset bone --keep-largest --close 1 --name bone-labels \
    -o labels.nii.gz > seg.txt
head -n 1 seg.txt | grep -q '^bone-labels@1 [0-9a-f]\{64\}$'
grep -q '^label 1 bone: ' seg.txt
"$TRACEMESH" log > log.txt
grep -q '^bone-labels .* latest bone-labels@1 labels ' log.txt
"$TRACEMESH" show bone-labels > show.txt
grep -q '^labels .* (32 x 32 x 16 u8; hash checked)$' show.txt
grep -q '^made by     segment ' show.txt
# Mesh from the file segment wrote: the chain continues through the label asset.
"$TRACEMESH" -q mesh labels.nii.gz --smooth 5 --decimate 0.5 --name skull -o skull.stl > m1.txt
head -n 1 m1.txt | grep -q '^skull@1 [0-9a-f]\{64\}$'
grep -q '^skull.stl: .* closed$' m1.txt
"$TRACEMESH" trace skull.stl > trace.txt
grep -q 'unchanged since export of skull@1 (stl)' trace.txt
grep -q '<- decimate ' trace.txt
grep -q '<- smooth ' trace.txt
grep -q '<- mesh-labels ' trace.txt
grep -q '<- segment ' trace.txt
test "$(grep -c '^ *dicom .* ok$' trace.txt)" -eq 16
"$TRACEMESH" verify skull > v1.txt
grep -q '^5 of 5 links replayed byte-identical' v1.txt
# By name, every label at once with surface nets.
"$TRACEMESH" -q mesh bone-labels@1 --all-labels --method nets --name skull --note nets \
    -o nets.ply > m2.txt
grep -q '^skull@2 ' m2.txt
"$TRACEMESH" verify skull@2 > v2.txt
grep -q '^  ok        mesh-all-labels ' v2.txt
grep -q '^3 of 3 links replayed byte-identical' v2.txt
# Without --name a label asset meshes like a file, storing nothing new.
"$TRACEMESH" -q mesh bone-labels -o plain.stl > /dev/null
"$TRACEMESH" log skull --json | grep -q '"version":2,'
"$TRACEMESH" log skull --json > l2.json
if grep -q '"version":3' l2.json; then exit 1; fi
"$TRACEMESH" fsck > fsck.txt
grep -q ' 0 problems' fsck.txt
# Refused: an export of a label asset, labels the store did not write, a mesh asset as
# labels, --iso with --name, segment --name from a NIfTI volume.
if "$TRACEMESH" export bone-labels@1 -o x.stl 2> e1.txt; then exit 1; fi
grep -q 'not a mesh' e1.txt
"$TRACEMESH" -q volume in -o ct.nii.gz
if "$TRACEMESH" mesh ct.nii.gz --name x -o x.stl 2> e2.txt; then exit 1; fi
grep -q "ct.nii.gz: not a label volume of the store" e2.txt
if "$TRACEMESH" mesh skull@1 --name x -o x.stl 2> e3.txt; then exit 1; fi
grep -q "skull@1 is a mesh asset, not a label volume" e3.txt
if "$TRACEMESH" mesh labels.nii.gz --iso 1 --name x -o x.stl 2> e4.txt; then exit 1; fi
grep -q -- "--iso meshes intensities" e4.txt
if "$TRACEMESH" segment ct.nii.gz --preset bone --name y -o y.nii.gz 2> e5.txt; then exit 1; fi
grep -q -- "--name needs a DICOM series" e5.txt
test ! -e x.stl && test ! -e y.nii.gz
"$TRACEMESH" log > log2.txt
if grep -q '^x \|^y ' log2.txt; then exit 1; fi
