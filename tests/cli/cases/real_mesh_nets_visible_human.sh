# SPDX-License-Identifier: BSD-3-Clause
# SurfaceNets on the bone mask of the full Visible Human head (512 x 512 x 234, 1 mm) is
# closed, manifold and outward (`tracemesh check` passes).
"$TRACEMESH" -q segment "$SHARED/ct-head-visible-human-female/dicom" --preset bone \
    -o bone.nii.gz > /dev/null
"$TRACEMESH" -q mesh bone.nii.gz --method nets -o nets.stl > /dev/null
"$TRACEMESH" check nets.stl > /dev/null
