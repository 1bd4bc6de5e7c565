# SPDX-License-Identifier: BSD-3-Clause
# Cross-check against VTK: `tracemesh mesh --iso` and vtkFlyingEdges3D on the same voxels and
# isovalue agree in triangle count and area (0.5%) and bounding box (patient LPS mm), on an
# oblique feet-first phantom and on the sample head CT (bone and skin). The isovalues sit
# between integer HU so that no sample lies exactly on the surface.
py=/usr/bin/python3
cmp="$SRC/tests/cli/cases/mesh_vtk_compare.py"
"$PHANTOM" ph --shape torus --size 64x60x40 --spacing 0.8,0.9,1.6 --orient oblique \
    --position FFP --noise 150 --seed 3 > /dev/null
"$TRACEMESH" -q volume ph -o ph.nii.gz
"$TRACEMESH" mesh ph.nii.gz --iso 0.5 --threads 2 -o ph.stl > /dev/null
"$TRACEMESH" check --json ph.stl > ph.json
$py "$cmp" ph.nii.gz 0.5 ph.json
"$TRACEMESH" -q volume "$SRC/datasets/vhf-head-3mm/dicom" -o head.nii.gz
for iso in 300.5 -499.5; do
    "$TRACEMESH" mesh head.nii.gz --iso $iso -o head.ply > /dev/null
    "$TRACEMESH" check --json head.ply > head.json
    $py "$cmp" head.nii.gz $iso head.json
done
