# SPDX-License-Identifier: BSD-3-Clause
# A recipe file (comments, blank lines, no dashes) gives the same labels and record as the same
# operations on the command line; two labels with names and colours go to the label table.
"$PHANTOM" in --shape spheres --size 40x40x24 --spacing 1,1,2
cat > r.recipe <<'R'
# body, then bone inside it
threshold -500 3000
label 1 body:b17a65

--preset bone
erode 1
label 2 bone:f1d691
R
"$TRACEMESH" -q segment in --recipe r.recipe -o a.nii.gz --labels a.txt > a.out
"$TRACEMESH" -q segment in --threshold -500 3000 --label 1 body:b17a65 --preset bone \
    --erode 1 --label 2 bone:F1D691 -o b.nii.gz > b.out
cmp a.nii.gz b.nii.gz
sed 1d a.out > a.rest
sed 1d b.out > b.rest
cmp a.rest b.rest
grep -q '^label 1 body: [0-9]* voxels, [0-9.]* ml$' a.out
grep -q '^label 2 bone: [0-9]* voxels, [0-9.]* ml$' a.out
grep -qx '2 bone 241 214 145 255' a.txt
grep -qx '1 body 177 122 101 255' a.txt
head -1 a.out | grep -qx 'a.nii.gz: 40 x 40 x 24 u16'
