# SPDX-License-Identifier: BSD-3-Clause
# Cross-check of `tracemesh mesh --iso` against VTK's vtkFlyingEdges3D on the same voxels and
# isovalue (used by the mesh_vtk_* and real_mesh_vtk_* cases; run with /usr/bin/python3).
#
#   mesh_vtk_compare.py VOLUME.nii.gz ISO CHECK.json [TOL_PCT]
#
# VOLUME is what `tracemesh volume` wrote (sform in RAS); CHECK.json is `tracemesh check --json`
# of the tracemesh mesh (coordinates in LPS mm). VTK runs in index space on the voxel array
# padded by one sample, then its points are mapped through the NIfTI affine and RAS -> LPS.
# tracemesh closes a structure that touches the border with a cap half a sample beyond the
# last sample; the padding reproduces that exactly: a pad sample next to an inside sample v
# gets 2*iso - v (the crossing is then half way), next to an outside sample it stays outside.
# Triangle count and area must agree within TOL_PCT (default 0.5) percent, the bounding box
# within 1/100 of the smallest voxel spacing. Prints one line per quantity; exits 1 on failure.
import json
import sys

import nibabel as nib
import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkFiltersCore import vtkFlyingEdges3D


def main():
    path, iso, check_path = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    tol_pct = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
    img = nib.load(path)
    a = np.asarray(img.dataobj).astype(np.float64)
    if a.ndim != 3:
        sys.exit("%s: expected a 3-D volume, got shape %s" % (path, a.shape))
    edge = np.pad(a, 1, mode="edge")
    pad = np.minimum(2.0 * iso - edge, edge)
    pad[1:-1, 1:-1, 1:-1] = a
    img_vtk = vtkImageData()
    img_vtk.SetDimensions(*pad.shape)
    img_vtk.SetOrigin(-1.0, -1.0, -1.0)
    img_vtk.SetSpacing(1.0, 1.0, 1.0)
    scal = numpy_support.numpy_to_vtk(np.ascontiguousarray(pad.ravel(order="F")), deep=1)
    img_vtk.GetPointData().SetScalars(scal)
    fe = vtkFlyingEdges3D()
    fe.SetInputData(img_vtk)
    fe.SetValue(0, iso)
    fe.ComputeNormalsOff()
    fe.ComputeGradientsOff()
    fe.ComputeScalarsOff()
    fe.Update()
    poly = fe.GetOutput()
    ijk = numpy_support.vtk_to_numpy(poly.GetPoints().GetData()).astype(np.float64)
    cells = numpy_support.vtk_to_numpy(poly.GetPolys().GetConnectivityArray()).reshape(-1, 3)
    aff = img.affine
    xyz = ijk @ aff[:3, :3].T + aff[:3, 3]
    xyz[:, 0] *= -1.0  # RAS -> LPS
    xyz[:, 1] *= -1.0
    p0, p1, p2 = xyz[cells[:, 0]], xyz[cells[:, 1]], xyz[cells[:, 2]]
    area = 0.5 * np.linalg.norm(np.cross(p1 - p0, p2 - p0), axis=1).sum()
    used = xyz[np.unique(cells)]
    bmin, bmax = used.min(axis=0), used.max(axis=0)
    with open(check_path) as f:
        tm = json.load(f)
    spacing = np.linalg.norm(aff[:3, :3], axis=0).min()
    bb_tol = spacing / 100.0
    ok = True

    def rel(x, y):
        return 100.0 * abs(x - y) / max(abs(y), 1e-12)

    d_tri = rel(tm["triangles"], len(cells))
    d_area = rel(tm["area_mm2"], area)
    d_bb = max(np.abs(np.array(tm["bbox_min_mm"]) - bmin).max(),
               np.abs(np.array(tm["bbox_max_mm"]) - bmax).max())
    print("triangles tracemesh %d vtk %d diff %.4f%%" % (tm["triangles"], len(cells), d_tri))
    print("area tracemesh %.3f vtk %.3f diff %.4f%%" % (tm["area_mm2"], area, d_area))
    print("bbox vtk min %s max %s, largest difference %.5f mm (tolerance %.5f)"
          % (np.round(bmin, 4).tolist(), np.round(bmax, 4).tolist(), d_bb, bb_tol))
    if len(cells) == 0:
        print("FAIL: VTK found no surface")
        ok = False
    if d_tri > tol_pct:
        print("FAIL: triangle counts differ by %.4f%% > %.2f%%" % (d_tri, tol_pct))
        ok = False
    if d_area > tol_pct:
        print("FAIL: areas differ by %.4f%% > %.2f%%" % (d_area, tol_pct))
        ok = False
    if d_bb > bb_tol:
        print("FAIL: bounding boxes differ by %.5f mm > %.5f mm" % (d_bb, bb_tol))
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
