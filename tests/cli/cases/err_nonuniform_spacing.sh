# SPDX-License-Identifier: BSD-3-Clause
# One slice moved by 0.6 mm along S: uneven gaps.
"$PHANTOM" in --size 32x32x8
pos=$(dcmdump +P ImagePositionPatient in/IM00003.dcm | sed 's/.*\[\(.*\)\].*/\1/')
new=$(printf '%s\n' "$pos" | awk -F'\\' '{ printf "%s\\%s\\%.4f", $1, $2, $3 + 0.6 }')
dcmodify -nb -m "(0020,0032)=$new" in/IM00003.dcm
"$TRACEMESH" info in
