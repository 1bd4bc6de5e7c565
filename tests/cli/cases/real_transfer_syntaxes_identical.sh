# SPDX-License-Identifier: BSD-3-Clause
# The nine encodings of one image decode to the same volume: identical NIfTI bytes.
for i in 1 2 3 4 5 6 7 8 9; do
    "$TRACEMESH" -q volume "$SHARED/mr-transfer-syntaxes-siemens/dicom/$i.dcm" -o $i.nii > /dev/null
done
for i in 2 3 4 5 6 7 8 9; do cmp 1.nii $i.nii; done
