# Every label as its own closed object (SurfaceNets, shared boundaries), written as OBJ groups.
"$PHANTOM" in --shape marker --size 48x48x32 --spacing 0.8,0.9,1.5
"$TRACEMESH" -q segment in --preset bone --label-components -o labels.nii.gz > segment.txt
"$TRACEMESH" mesh labels.nii.gz --all-labels --method nets --threads 7 -o all.obj > mesh.txt
grep -q 'all.obj: .* closed$' mesh.txt
grep -q '^o label_1$' all.obj
"$TRACEMESH" check --json all.obj > report.json
grep -q '"ok": true' report.json
"$TRACEMESH" mesh labels.nii.gz --all-labels --method nets --sigma 1 -o x.obj
