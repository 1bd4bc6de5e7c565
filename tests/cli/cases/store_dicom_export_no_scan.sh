# SPDX-License-Identifier: BSD-3-Clause
# A version published from a mesh file with no parent has no scan to join: 'export --dicom'
# says so (exit 3) and writes nothing.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
"$TRACEMESH" publish skull --dicom in > /dev/null
"$TRACEMESH" -q export skull@1 -o skull.stl > /dev/null
"$TRACEMESH" -q publish hand --from skull.stl --no-parent > /dev/null
"$TRACEMESH" -q export hand@1 --dicom hand.dcm || rc=$?
test ! -e hand.dcm
exit "${rc:-0}"
