# SPDX-License-Identifier: BSD-3-Clause
# An out-of-range option value is a usage error naming the option.
"$PHANTOM" in --size 16x16x4
"$TRACEMESH" -q volume in -o vol.nii.gz
"$TRACEMESH" mesh vol.nii.gz --iso 0 --decimate 1.5 -o out.stl
