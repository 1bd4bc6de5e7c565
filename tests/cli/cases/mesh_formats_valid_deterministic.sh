# SPDX-License-Identifier: BSD-3-Clause
# Every written format is accepted by other readers and has fixed bytes: the Khronos glTF
# validator reports 0 errors on .gltf and .glb (LPS and --ras, one label and three touching
# labels, MC and SurfaceNets); `assimp info` reads every format with the right counts; and
# the same mesh gives the same bytes at 1, 2 and 7 threads and in a later run (3MF, Collada
# and FBX carried assimp's export time).
"$PHANTOM" ph --shape torus --size 48x44x30 --spacing 0.8,0.9,1.5 --orient oblique > /dev/null
"$TRACEMESH" -q volume ph -o vol.nii.gz
/usr/bin/python3 - <<'PY'
import nibabel as nib, numpy as np
img = nib.load("vol.nii.gz")
a = np.asarray(img.dataobj)
lab = np.zeros(a.shape, np.uint16)
inside = a > 0
lab[inside] = 1
i, j, k = np.nonzero(inside)
lab[inside & (np.arange(a.shape[0])[:, None, None] >= np.median(i))] = 2
lab[inside & (np.arange(a.shape[1])[None, :, None] >= np.median(j))] = 7
assert set(np.unique(lab)) == {0, 1, 2, 7}
nib.save(nib.Nifti1Image(lab, img.affine, img.header), "labels.nii.gz")
PY
formats="stl ply obj gltf glb 3mf dae fbx"
for j in 1 2 7; do
    mkdir run$j
    for f in $formats; do
        "$TRACEMESH" -q mesh labels.nii.gz --all-labels --method nets -j $j -o run$j/all.$f > all.txt
        "$TRACEMESH" -q mesh vol.nii.gz --iso 0 --smooth 5 -j $j -o run$j/iso.$f > iso.txt
        "$TRACEMESH" -q mesh labels.nii.gz --label 2 --ras -j $j -o run$j/ras.$f > ras.txt
    done
done
sleep 2 # a later run: zip (3MF) times have a two-second step
mkdir later
for f in $formats; do
    "$TRACEMESH" -q mesh labels.nii.gz --all-labels --method nets -j 2 -o later/all.$f > /dev/null
    "$TRACEMESH" -q mesh vol.nii.gz --iso 0 --smooth 5 -j 2 -o later/iso.$f > /dev/null
    "$TRACEMESH" -q mesh labels.nii.gz --label 2 --ras -j 2 -o later/ras.$f > /dev/null
done
for d in run2 run7 later; do
    for x in all iso ras; do
        for f in $formats bin; do
            cmp run1/$x.$f $d/$x.$f
        done
    done
done
node "$SRC/tools/node/validate-gltf.js" run1/*.gltf run1/*.glb > validator.txt
test "$(grep -c ': 0 errors' validator.txt)" -eq 6
# assimp reads every format with the triangle count that `tracemesh mesh` reported (summed
# over the objects of the multi-label files, which name them label_1, label_2, label_7; assimp
# names 3MF objects by their id, not by their name attribute).
for x in all iso ras; do
    want=$(sed -n 's/.* vertices, \([0-9]*\) triangles.*/\1/p' $x.txt)
    test -n "$want"
    for f in $formats; do
        assimp info run1/$x.$f > info.txt 2>&1
        faces=$(sed -n 's/^Faces: *//p' info.txt)
        test "$faces" = "$want" || { echo "$x.$f: assimp reads '$faces' faces, want $want"; exit 1; }
        if [ $x = all ] && [ $f != stl ] && [ $f != ply ] && [ $f != 3mf ]; then
            for l in 1 2 7; do grep -q "label_$l\b" info.txt; done
        fi
    done
done
