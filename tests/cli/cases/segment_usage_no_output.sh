# SPDX-License-Identifier: BSD-3-Clause
# -o is required.
"$PHANTOM" in --size 16x16x4
"$TRACEMESH" segment in --preset bone
