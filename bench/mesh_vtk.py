# SPDX-License-Identifier: BSD-3-Clause
# Peer side of bench/mesh_bench.sh (run with /usr/bin/python3; VTK 9.1 and scikit-image).
#   mesh_vtk.py extract VOLUME.nii.gz ISO TOOL RUNS   TOOL: fe | dfe | skimage
#       Loads the volume once, then times the extraction alone RUNS times (time.perf_counter)
#       and prints "seconds_median triangles" ; dfe meshes the mask value >= ISO as label 1.
#   mesh_vtk.py pipeline DICOM_DIR LOWER OUT.stl
#       DicomToMesh-style pipeline: vtkDICOMImageReader, vtkFlyingEdges3D at LOWER,
#       vtkWindowedSincPolyDataFilter (20 iterations), vtkQuadricDecimation (0.5), vtkSTLWriter.
# VTK runs on every core with its default SMP backend (TBB in Debian's VTK 9.1).
import statistics
import sys
import time

import nibabel as nib
import numpy as np
from vtkmodules.util import numpy_support
from vtkmodules.vtkCommonCore import vtkSMPTools
from vtkmodules.vtkCommonDataModel import vtkImageData
from vtkmodules.vtkFiltersCore import (vtkFlyingEdges3D, vtkQuadricDecimation,
                                       vtkWindowedSincPolyDataFilter)
from vtkmodules.vtkFiltersGeneral import vtkDiscreteFlyingEdges3D
from vtkmodules.vtkIOImage import vtkDICOMImageReader
from vtkmodules.vtkIOGeometry import vtkSTLWriter


def smp():
    vtkSMPTools.Initialize(0)  # VTK's default SMP backend (TBB in Debian), every core


def image(a, aff):
    img = vtkImageData()
    img.SetDimensions(*a.shape)
    img.SetSpacing(*np.linalg.norm(aff[:3, :3], axis=0))
    img.GetPointData().SetScalars(
        numpy_support.numpy_to_vtk(np.ascontiguousarray(a.ravel(order="F")), deep=1))
    return img


def extract(path, iso, tool, runs):
    smp()
    nim = nib.load(path)
    a = np.asarray(nim.dataobj)
    times, ntri = [], 0
    if tool == "skimage":
        from skimage.measure import marching_cubes
        f = a.astype(np.float32)
        sp = tuple(np.linalg.norm(nim.affine[:3, :3], axis=0))
        for _ in range(runs):
            t0 = time.perf_counter()
            verts, faces, _, _ = marching_cubes(f, level=iso, spacing=sp)
            times.append(time.perf_counter() - t0)
            ntri = len(faces)
    else:
        if tool == "dfe":
            img = image((a >= iso).astype(np.uint8), nim.affine)
            flt = vtkDiscreteFlyingEdges3D()
            flt.SetValue(0, 1)
        else:
            img = image(a, nim.affine)
            flt = vtkFlyingEdges3D()
            flt.SetValue(0, iso)
        flt.SetInputData(img)
        flt.ComputeNormalsOff()
        flt.ComputeGradientsOff()
        flt.ComputeScalarsOff()
        for _ in range(runs):
            flt.Modified()
            t0 = time.perf_counter()
            flt.Update()
            times.append(time.perf_counter() - t0)
            ntri = flt.GetOutput().GetNumberOfPolys()
    print("%.4f %d" % (statistics.median(times), ntri))


def pipeline(folder, lower, out):
    smp()
    r = vtkDICOMImageReader()
    r.SetDirectoryName(folder)
    # vtkDICOMImageReader applies RescaleSlope/Intercept itself (VTK 9.1), so LOWER is in HU.
    r.Update()
    if r.GetOutput().GetNumberOfPoints() == 0:
        sys.exit("mesh_vtk.py: vtkDICOMImageReader read nothing from %s" % folder)
    fe = vtkFlyingEdges3D()
    fe.SetInputConnection(r.GetOutputPort())
    fe.SetValue(0, lower)
    fe.ComputeNormalsOff()
    fe.ComputeScalarsOff()
    sm = vtkWindowedSincPolyDataFilter()
    sm.SetInputConnection(fe.GetOutputPort())
    sm.SetNumberOfIterations(20)
    dec = vtkQuadricDecimation()
    dec.SetInputConnection(sm.GetOutputPort())
    dec.SetTargetReduction(0.5)
    w = vtkSTLWriter()
    w.SetInputConnection(dec.GetOutputPort())
    w.SetFileName(out)
    w.SetFileTypeToBinary()
    w.Write()
    if dec.GetOutput().GetNumberOfPolys() == 0:
        sys.exit("mesh_vtk.py: empty surface at %g" % lower)


if __name__ == "__main__":
    if sys.argv[1] == "extract":
        extract(sys.argv[2], float(sys.argv[3]), sys.argv[4], int(sys.argv[5]))
    else:
        pipeline(sys.argv[2], float(sys.argv[3]), sys.argv[4])
