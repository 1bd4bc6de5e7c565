# SPDX-License-Identifier: BSD-3-Clause
# Negative PixelSpacing is refused, not mirrored.
"$PHANTOM" in --size 32x32x8
dcmodify -nb -m "(0028,0030)=-0.5\\-0.5" in/*.dcm
"$TRACEMESH" info in
