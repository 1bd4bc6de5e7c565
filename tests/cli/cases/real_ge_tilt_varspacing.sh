# SPDX-License-Identifier: BSD-3-Clause
# GE tilt 18.5 deg with two slice-gap blocks: refused by default (naming the slice), loaded
# on an orthogonal grid with --resample.
set +e
"$TRACEMESH" info "$SHARED/ct-head-tilt-varspacing-ge/dicom" 2> refused.txt
rc=$?
set -e
[ $rc -eq 3 ]
grep -q "15.dcm: slice gap 1.08 mm differs from median 4.00 mm" refused.txt
"$TRACEMESH" volume --resample "$SHARED/ct-head-tilt-varspacing-ge/dicom" -o ge.nii.gz > /dev/null
/usr/bin/python3 - <<PY
import nibabel as nib, numpy as np
img = nib.load("ge.nii.gz")
a = img.affine[:3, :3]
# orthogonal columns, 0.488 mm pixels, README tilt direction (0, 0.948, -0.317) for columns
assert abs(np.dot(a[:, 0], a[:, 2])) < 1e-6 and abs(np.dot(a[:, 1], a[:, 2])) < 1e-6
assert abs(np.linalg.norm(a[:, 0]) - 0.48828) < 1e-4
col = a[:, 1] / np.linalg.norm(a[:, 1])
assert np.allclose(col, [0, -0.9483, -0.3173], atol=1e-3), col   # RAS of LPS (0,.948,-.317)
d = np.asarray(img.dataobj)
assert d.shape[:2] == (512, 512) and d.min() >= -1500 and d.max() <= 2121
PY
