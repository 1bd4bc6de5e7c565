# SPDX-License-Identifier: BSD-3-Clause
# The SOP Classes of the source images come from the DICOM files. With the folder moved they
# are inferred from the modality (a warning says so) and the object is the same; with
# --source DIR they are read again; a source file changed since publish stops the export
# (exit 4) naming the file.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
"$TRACEMESH" publish skull --dicom in > /dev/null
"$TRACEMESH" -q export skull@1 --dicom a.dcm > /dev/null
mv in moved
"$TRACEMESH" export skull@1 --dicom b.dcm > /dev/null 2> warn.txt
grep -q 'b.dcm: SOP Classes of the 16 source images inferred from modality CT' warn.txt
cmp a.dcm b.dcm
"$TRACEMESH" export skull@1 --dicom c.dcm --source moved > /dev/null 2> warn.txt
if grep -q 'inferred' warn.txt; then exit 1; fi
cmp a.dcm c.dcm
printf '\001' | dd of=moved/IM00003.dcm bs=1 seek=300 conv=notrunc 2> /dev/null
if [ -e d.dcm ]; then exit 1; fi
"$TRACEMESH" -q export skull@1 --dicom d.dcm --source moved
