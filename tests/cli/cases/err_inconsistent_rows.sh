# SPDX-License-Identifier: BSD-3-Clause
# One file declares another image size: it becomes its own stack, and the
# main stack then has a hole where it was, which is refused with the neighbours named.
"$PHANTOM" in --size 32x32x8
dcmodify -nb -m "(0028,0010)=40" in/IM00003.dcm
"$TRACEMESH" info in
