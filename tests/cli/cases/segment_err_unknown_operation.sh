# SPDX-License-Identifier: BSD-3-Clause
# An unknown operation is a usage error naming the argument.
"$PHANTOM" in --size 16x16x4
"$TRACEMESH" segment in --preset bone --blur 2 -o out.nii.gz
