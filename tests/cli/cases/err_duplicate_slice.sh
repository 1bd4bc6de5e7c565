# SPDX-License-Identifier: BSD-3-Clause
# Two different images at one position.
"$PHANTOM" in --size 32x32x8 --duplicate 3
"$TRACEMESH" info in
