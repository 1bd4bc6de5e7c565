# SPDX-License-Identifier: BSD-3-Clause
# A CT volume is not a label volume: the message names the file and suggests --iso.
"$PHANTOM" in --size 16x16x4
"$TRACEMESH" -q volume in -o vol.nii.gz
"$TRACEMESH" mesh vol.nii.gz -o out.stl
