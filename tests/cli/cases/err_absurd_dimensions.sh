# SPDX-License-Identifier: BSD-3-Clause
# Declared dimensions far beyond the data: refused before allocating.
"$PHANTOM" in --size 32x32x8
dcmodify -nb -m "(0028,0010)=65535" -m "(0028,0011)=65535" in/*.dcm
"$TRACEMESH" info in
