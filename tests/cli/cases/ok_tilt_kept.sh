# SPDX-License-Identifier: BSD-3-Clause
# Gantry tilt: the sheared matrix is kept and reported.
"$PHANTOM" in --size 32x32x12 --tilt 15
"$TRACEMESH" info --json in > out.json
grep -q "\"dim\":\[32,32,12\]" out.json
