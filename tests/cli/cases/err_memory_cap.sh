# SPDX-License-Identifier: BSD-3-Clause
"$PHANTOM" in --size 32x32x8
"$TRACEMESH" info in --max-memory 0.000001
