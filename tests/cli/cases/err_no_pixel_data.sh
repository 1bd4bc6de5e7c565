# SPDX-License-Identifier: BSD-3-Clause
# DICOM objects without pixel data are not images.
"$PHANTOM" in --size 32x32x8
dcmodify -nb -e "(7fe0,0010)" in/*.dcm
"$TRACEMESH" info in
