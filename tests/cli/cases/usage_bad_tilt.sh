# SPDX-License-Identifier: BSD-3-Clause
"$TRACEMESH" volume in --tilt sideways -o x.nii.gz
