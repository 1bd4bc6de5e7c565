# SPDX-License-Identifier: BSD-3-Clause
# Plausibility against a second implementation, on the Visible Human head sample (every 3rd
# slice, 512 x 512 x 78 at 1 x 1 x 3 mm): the bone preset with keep-largest must give exactly
# the voxels numpy + scipy.ndimage find on the NIfTI from `tracemesh volume` (threshold at the
# documented 226..32767 HU, scipy.ndimage.label with a 3x3x3 structure = 26-connectivity, the
# largest label), the printed ml must be that count times the voxel volume, and the volume must
# be plausible for an adult skull with mandible and cervical spine (400..1000 ml; about 630 ml
# here). The whole bone chain with a 3.5 mm closing (a ball spanning slices: anisotropic) and
# hole filling must equal bench/seg_scipy.py voxel for voxel.
d="$SRC/datasets/vhf-head-3mm/dicom"
"$TRACEMESH" -q volume "$d" -o head.nii.gz > /dev/null
"$TRACEMESH" -q segment "$d" --preset bone --keep-largest -o bone.nii.gz > bone.txt
"$TRACEMESH" -q segment head.nii.gz --preset bone --keep-largest --close 3.5 --fill-holes \
    -o chain.nii.gz > chain.txt
/usr/bin/python3 - <<'PY'
import re
import nibabel as nib
import numpy as np
from scipy import ndimage

img = nib.load("head.nii.gz")
hu = np.asanyarray(img.dataobj)
assert hu.shape == (512, 512, 78), hu.shape
mask = (hu >= 226) & (hu <= 32767)
lab, n = ndimage.label(mask, structure=np.ones((3, 3, 3), bool))
sizes = np.bincount(lab.ravel())
sizes[0] = 0
largest = lab == int(np.argmax(sizes))
count = int(largest.sum())
vox_mm3 = float(np.prod(img.header.get_zooms()[:3]))
ml = count * vox_mm3 / 1000.0

out = nib.load("bone.nii.gz")
assert np.allclose(out.affine, img.affine), (out.affine, img.affine)
ours = np.asanyarray(out.dataobj) != 0
assert np.array_equal(ours, largest), int((ours != largest).sum())
m = re.search(r"^label 1 bone: (\d+) voxels, ([0-9.]+) ml$", open("bone.txt").read(), re.M)
assert m, open("bone.txt").read()
assert int(m.group(1)) == count, (m.group(0), count)
assert abs(float(m.group(2)) - ml) < 0.001, (m.group(0), ml)
assert 400.0 <= ml <= 1000.0, ml
print(f"bone, largest of {n} components: {count} voxels, {ml:.3f} ml")
PY
/usr/bin/python3 "$SRC/bench/seg_scipy.py" head.nii.gz --close 3.5 --compare chain.nii.gz \
    > scipy.txt 2> /dev/null
grep -qx "differing=0" scipy.txt
want=$(sed -n 's/^voxels=\([0-9]*\) .*/\1/p' scipy.txt)
grep -q "^label 1 bone: $want voxels, " chain.txt
