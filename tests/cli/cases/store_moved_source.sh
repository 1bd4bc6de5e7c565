# SPDX-License-Identifier: BSD-3-Clause
# The DICOM folder moved after the build: verify replays from --source DIR; without it, the
# missing folder is named (exit 4).
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
"$TRACEMESH" publish skull --dicom in --lower 200 --upper 3000 --sigma 0 > /dev/null
mv in moved
"$TRACEMESH" verify skull --source moved > verify.txt
grep -q '^  ok        source files     16 DICOM files in moved match manifest' verify.txt
grep -q '^  ok        threshold ' verify.txt
grep -q '^  ok        mesh-labels ' verify.txt
grep -q '^3 of 3 links replayed byte-identical$' verify.txt
"$TRACEMESH" trace skull > trace.txt
grep -q 'folder .*/in not found: not checked' trace.txt
"$TRACEMESH" verify skull > /dev/null
