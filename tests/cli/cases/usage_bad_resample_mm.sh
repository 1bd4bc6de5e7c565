# SPDX-License-Identifier: BSD-3-Clause
"$TRACEMESH" info in --resample-mm 0
