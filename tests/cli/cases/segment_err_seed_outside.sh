# SPDX-License-Identifier: BSD-3-Clause
# A seed outside the volume is named with its position.
"$PHANTOM" in --size 16x16x4
"$TRACEMESH" -q segment in --seed 500,0,0 --grow 200 3000 -o out.nii.gz
