# SPDX-License-Identifier: BSD-3-Clause
# The table shows the series; identifiers stay out unless asked for.
"$PHANTOM" in --size 40x36x30 --spacing 0.9,0.8,1.25
"$TRACEMESH" scan in > out.txt
grep -q "^1   CT   tracemesh phantom        40x36x30        0.900x0.800x1.250      axial" out.txt
grep -q "1 series in 30 files; 0 skipped" out.txt
! grep -q "Patricia" out.txt
"$TRACEMESH" scan --show-phi in | grep -q "name .Phantom^Patricia., id .PID-PHANTOM-42."
