# SPDX-License-Identifier: BSD-3-Clause
# A malformed number names the operation and the value.
"$PHANTOM" in --size 16x16x4
"$TRACEMESH" segment in --preset bone --close 1,5 -o out.nii.gz
