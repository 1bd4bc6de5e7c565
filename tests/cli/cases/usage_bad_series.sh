# SPDX-License-Identifier: BSD-3-Clause
"$PHANTOM" in --size 32x32x4
"$TRACEMESH" info in --series 5
