# SPDX-License-Identifier: BSD-3-Clause
# One changed byte in a stored object is found and named by fsck, trace and verify.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
"$TRACEMESH" -q publish skull --dicom in --smooth 3 > v1.txt
"$TRACEMESH" fsck > clean.txt
grep -q ', 0 problems,' clean.txt
# The volume object: flip one byte in the middle of its file.
vol=$("$TRACEMESH" trace skull --json | sed 's/.*"sha256":"\([0-9a-f]*\)","kind":"volume".*/\1/')
obj=.tracemesh/objects/$(echo "$vol" | cut -c1-2)/$(echo "$vol" | cut -c3-)
size=$(wc -c < "$obj")
printf 'Z' | dd of="$obj" bs=1 seek=$((size / 2)) conv=notrunc 2> /dev/null
if "$TRACEMESH" trace skull > trace.txt 2> trace.err; then exit 1; fi
grep -q "^ *volume *$vol DAMAGED" trace.txt
if "$TRACEMESH" verify skull > verify.txt 2> verify.err; then exit 1; fi
grep -q "stored volume $vol is damaged" verify.err
if "$TRACEMESH" fsck > fsck.txt 2> /dev/null; then exit 1; fi
grep -q "^problem: volume object $vol" fsck.txt
"$TRACEMESH" fsck
