# SPDX-License-Identifier: BSD-3-Clause
# Cross-check against VTK on the full Visible Human head (512 x 512 x 234): `tracemesh mesh
# --iso` and vtkFlyingEdges3D agree in triangle count, area (0.5%) and bounding box (LPS mm).
"$TRACEMESH" -q volume "$SHARED/ct-head-visible-human-female/dicom" -o head.nii.gz
"$TRACEMESH" mesh head.nii.gz --iso 300.5 -o head.stl > /dev/null
"$TRACEMESH" check --json head.stl > head.json
/usr/bin/python3 "$SRC/tests/cli/cases/mesh_vtk_compare.py" head.nii.gz 300.5 head.json
