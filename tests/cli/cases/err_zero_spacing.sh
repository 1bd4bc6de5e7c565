# SPDX-License-Identifier: BSD-3-Clause
# PixelSpacing of zero cannot give a geometry.
"$PHANTOM" in --size 32x32x8
dcmodify -nb -m "(0028,0030)=0\\0" in/*.dcm
"$TRACEMESH" info in
