# SPDX-License-Identifier: BSD-3-Clause
# The SOP Classes of the source images are recorded in the source manifest: with the folder
# moved the object is the same and nothing is inferred; with --source DIR they are read again
# from the files, and a source file changed since publish stops the export (exit 4) naming it.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
"$TRACEMESH" publish skull --dicom in > /dev/null
"$TRACEMESH" -q export skull@1 --dicom a.dcm > /dev/null
mv in moved
"$TRACEMESH" export skull@1 --dicom b.dcm > /dev/null 2> warn.txt
if grep -q 'inferred' warn.txt; then exit 1; fi
cmp a.dcm b.dcm
"$TRACEMESH" export skull@1 --dicom c.dcm --source moved > /dev/null 2> warn.txt
if grep -q 'inferred' warn.txt; then exit 1; fi
cmp a.dcm c.dcm
printf '\001' | dd of=moved/IM00003.dcm bs=1 seek=300 conv=notrunc 2> /dev/null
if [ -e d.dcm ]; then exit 1; fi
"$TRACEMESH" -q export skull@1 --dicom d.dcm --source moved
