# SPDX-License-Identifier: BSD-3-Clause
# 'export --dicom' into a folder that does not exist names the file and the folder (exit 1),
# and leaves no export record behind.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
"$TRACEMESH" publish skull --dicom in > /dev/null
if "$TRACEMESH" export skull@1 --dicom ./out.dcm --source nowhere 2> usage.txt; then exit 1; fi
grep -q -- '--source nowhere: folder does not exist or cannot be read' usage.txt
"$TRACEMESH" -q export skull@1 --dicom nowhere/out.dcm
