# SPDX-License-Identifier: BSD-3-Clause
"$TRACEMESH" scan in --frobnicate
