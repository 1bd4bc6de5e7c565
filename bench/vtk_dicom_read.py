# SPDX-License-Identifier: BSD-3-Clause
# Peer for the loading benchmark: VTK's DICOM reader (Debian python3-vtk9) reading a folder
# into memory and printing dimensions, spacing and value range, like `tracemesh info`.
import sys

import vtk

reader = vtk.vtkDICOMImageReader()
reader.SetDirectoryName(sys.argv[1])
reader.Update()
img = reader.GetOutput()
print(img.GetDimensions(), img.GetSpacing(), img.GetScalarRange())
