# SPDX-License-Identifier: BSD-3-Clause
# The NIfTI export opens in nibabel with the RAS affine and the HU values.
"$PHANTOM" in --size 40x36x30 --spacing 0.9,0.8,1.25 --position FFS --shape marker
"$TRACEMESH" -q volume in -o vol.nii.gz --manifest man.json
"$TRACEMESH" -q info --json in > info.json
/usr/bin/python3 - <<PY
import json, nibabel as nib, numpy as np
img = nib.load("vol.nii.gz")
info = json.load(open("info.json"))
lps = np.array(info["ijk_to_lps"])
ras = np.diag([-1, -1, 1, 1]) @ lps
assert np.allclose(img.affine, ras, atol=1e-4), (img.affine, ras)
assert np.allclose(img.get_qform(), ras, atol=1e-4)
assert img.header["sform_code"] == 1 and img.header["qform_code"] == 1
data = np.asarray(img.dataobj)
assert data.dtype == np.int16 and data.shape == (40, 36, 30)
assert data.min() == -1000 and data.max() == 1000
# the marker block lies on the patient left: RAS x = -L, so the block is at negative x
pts = np.argwhere(data == 1000)
world = nib.affines.apply_affine(img.affine, pts)
assert world[:, 0].min() < -(10 + 0.8 * 9) + 1, world[:, 0].min()
m = json.load(open("man.json"))
assert len(m["files"]) == 30
PY
