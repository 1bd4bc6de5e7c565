# SPDX-License-Identifier: BSD-3-Clause
# With --resample a missing slice is interpolated, and the warning says so.
"$PHANTOM" in --size 32x32x8 --missing 4
"$TRACEMESH" info --resample --json in > out.json
grep -q "\"dim\":\[32,32,8\]" out.json
