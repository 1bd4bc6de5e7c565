# SPDX-License-Identifier: BSD-3-Clause
# A slice left out of a uniform stack.
"$PHANTOM" in --size 32x32x8 --missing 4
"$TRACEMESH" info in
