# SPDX-License-Identifier: BSD-3-Clause
# The recorded "recipe:" line replays to the same label volume; a damaged record is refused.
"$PHANTOM" in --shape spheres --size 40x40x24 --spacing 0.8,0.8,1.5 --noise 30
"$TRACEMESH" -q segment in --median 1 --seed-vox 20,20,12 --grow 200 3000 --dilate 1.2 \
    --paint-sphere 0,0,0 3 --label 4 spheres -o a.nii.gz > a.out
sed -n 's/^recipe: //p' a.out > rec.json
"$TRACEMESH" -q segment in --replay rec.json -o b.nii.gz > b.out
cmp a.nii.gz b.nii.gz
sed 1d a.out > a.rest
sed 1d b.out > b.rest
cmp a.rest b.rest
grep -q '^label 4 spheres: [1-9][0-9]* voxels' a.out
sed 's/"radius_mm":1.2/"radius_mm":1.20/' rec.json > bad.json
"$TRACEMESH" segment in --replay bad.json -o c.nii.gz
