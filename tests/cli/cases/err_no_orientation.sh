# SPDX-License-Identifier: BSD-3-Clause
# Geometry cannot be guessed silently.
"$PHANTOM" in --size 32x32x8
dcmodify -nb -e "(0020,0037)" in/*.dcm
"$TRACEMESH" info in
