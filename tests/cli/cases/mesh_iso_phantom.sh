# SPDX-License-Identifier: BSD-3-Clause
# DICOM phantom -> NIfTI -> mesh at an intensity threshold -> check: closed and outward.
"$PHANTOM" in --shape marker --size 48x48x32 --spacing 0.8,0.9,1.5 --orient oblique
"$TRACEMESH" -q volume in -o vol.nii.gz
"$TRACEMESH" mesh vol.nii.gz --iso 0 --threads 2 -o out.stl > mesh.txt
grep -q 'out.stl: .* closed$' mesh.txt
"$TRACEMESH" check out.stl
