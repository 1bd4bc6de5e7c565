# SPDX-License-Identifier: BSD-3-Clause
"$TRACEMESH" volume in -o x.mhd
