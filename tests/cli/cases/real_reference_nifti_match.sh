# SPDX-License-Identifier: BSD-3-Clause
# Enhanced multi-frame MR and the fragmented JPEG Lossless phantom against the dcm2niix
# reference NIfTI: every reference voxel, mapped through both affines, lands on a voxel of ours
# with the same value.
"$TRACEMESH" -q volume "$SHARED/mr-t1-head-enhanced-multiframe-siemens/dicom" -o emf.nii.gz > /dev/null
"$TRACEMESH" -q volume "$SHARED/mr-phantom-jpeg-lossless-fragmented/dicom" -o jll.nii.gz > /dev/null
/usr/bin/python3 - <<PY
import nibabel as nib, numpy as np, os
S = os.environ["SHARED"]
def check(mine, ref, tol):
    a, b = nib.load(mine), nib.load(ref)
    A, B = np.asarray(a.dataobj), np.asarray(b.dataobj)
    M = np.linalg.inv(a.affine) @ b.affine
    idx = np.indices(B.shape).reshape(3, -1)
    p = M @ np.vstack([idx, np.ones(idx.shape[1])])
    q = np.rint(p[:3]).astype(int)
    assert np.abs(p[:3] - q).max() < tol, np.abs(p[:3] - q).max()
    assert (q.min(axis=1) >= 0).all() and (q.max(axis=1) < np.array(A.shape)).all()
    assert np.array_equal(A[q[0], q[1], q[2]], B.reshape(-1))
check("emf.nii.gz", S + "/mr-t1-head-enhanced-multiframe-siemens/ref/5_anat-T1w_acq-tfl.nii", 1e-3)
# the reference stores 2.0001 mm for 2 mm: allow that rounding across 128 voxels
check("jll.nii.gz", S + "/mr-phantom-jpeg-lossless-fragmented/ref/anat-T1w_acq-tfl_5001.nii", 0.01)
PY
