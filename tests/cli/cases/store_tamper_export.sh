# SPDX-License-Identifier: BSD-3-Clause
# An exported STL changed by one byte is reported as modified by trace (exit 4); its tag still
# names the version it came from.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
"$TRACEMESH" publish skull --dicom in > /dev/null
"$TRACEMESH" -q export skull@1 -o skull.stl > /dev/null
"$TRACEMESH" trace skull.stl > before.txt
size=$(wc -c < skull.stl)
printf '\001' | dd of=skull.stl bs=1 seek=$((size - 20)) conv=notrunc 2> /dev/null
if "$TRACEMESH" trace skull.stl > after.txt 2> /dev/null; then exit 1; fi
grep -q 'MODIFIED (no export has this hash; its tag names skull@1)' after.txt
"$TRACEMESH" trace skull.stl > /dev/null
