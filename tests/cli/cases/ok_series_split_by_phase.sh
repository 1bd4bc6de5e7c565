# SPDX-License-Identifier: BSD-3-Clause
# Two contrast phases at the same positions in one series (classic IOD, TemporalPositionIdentifier
# 1 and 2): two stacks, not a wall of duplicate positions.
"$PHANTOM" a --size 32x32x6 --seed 1
"$PHANTOM" b --size 32x32x6 --seed 2 --shape spheres
uid=$(dcmdump +P SeriesInstanceUID a/IM00001.dcm | sed "s/.*\[\(.*\)\].*/\1/")
dcmodify -nb -i "(0020,0100)=1" a/*.dcm
dcmodify -nb -m "(0020,000e)=$uid" -i "(0020,0100)=2" b/*.dcm
mkdir in && mv a in/a && mv b in/b
"$TRACEMESH" scan in > scan.txt
grep -q "2 series in 12 files; 0 skipped" scan.txt
"$TRACEMESH" -q info --series 2 --json in | grep -q "\"dim\":\[32,32,6\]"
