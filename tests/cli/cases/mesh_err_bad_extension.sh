# SPDX-License-Identifier: BSD-3-Clause
# The output format comes from the extension; an unknown one is a usage error.
"$PHANTOM" in --size 16x16x4
"$TRACEMESH" -q volume in -o vol.nii.gz
"$TRACEMESH" mesh vol.nii.gz --iso 0 -o out.xyz
