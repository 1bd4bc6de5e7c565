# SPDX-License-Identifier: BSD-3-Clause
# Rows doubled while the pixel data stays: the data is too short for the header.
"$PHANTOM" in --size 32x32x1
mv in/IM00001.dcm in/IM00005.dcm
dcmodify -nb -m "(0028,0011)=64" in/IM00005.dcm
"$TRACEMESH" info in
