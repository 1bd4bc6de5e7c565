# SPDX-License-Identifier: BSD-3-Clause
# Content addressing: the same build twice gives the same objects (no new object file), and a
# second version pointing at the same mesh is still a version of its own.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
"$TRACEMESH" -q publish skull --dicom in --smooth 2 > v1.txt
n1=$(find .tracemesh/objects -type f | wc -l)
"$TRACEMESH" -q publish skull --dicom in --smooth 2 --note "rebuilt" > v2.txt
n2=$(find .tracemesh/objects -type f | wc -l)
test "$n1" -eq "$n2"
test "$(cut -d' ' -f2 v1.txt)" = "$(cut -d' ' -f2 v2.txt)"
grep -q '^skull@2 ' v2.txt
"$TRACEMESH" fsck
