# SPDX-License-Identifier: BSD-3-Clause
# Without orientation the user may still load it, explicitly.
"$PHANTOM" in --size 32x32x4
dcmodify -nb -e "(0020,0037)" in/*.dcm
"$TRACEMESH" info --assume-axial --json in | grep -q "\"dim\":\[32,32,4\]"
