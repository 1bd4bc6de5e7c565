# SPDX-License-Identifier: BSD-3-Clause
# The manifest and the volume are the same bytes at 1, 2 and 7 threads.
"$PHANTOM" in --size 48x48x24 --syntax jpeg-ls --noise 15
"$TRACEMESH" -q info --manifest -j 1 in > m1.json
"$TRACEMESH" -q info --manifest -j 2 in > m2.json
"$TRACEMESH" -q info --manifest -j 7 in > m7.json
cmp m1.json m2.json && cmp m1.json m7.json
"$TRACEMESH" -q volume -j 1 in -o v1.nii && "$TRACEMESH" -q volume -j 7 in -o v7.nii && cmp v1.nii v7.nii
