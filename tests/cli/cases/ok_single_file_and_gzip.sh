# SPDX-License-Identifier: BSD-3-Clause
# A single file and gzip-wrapped files are read like any other.
"$PHANTOM" in --size 32x32x6 --gzip --syntax rle
"$TRACEMESH" -q info --json in/IM00001.dcm.gz | grep -q "\"dim\":\[32,32,1\]"
"$TRACEMESH" -q info --json in | grep -q "\"dim\":\[32,32,6\]"
