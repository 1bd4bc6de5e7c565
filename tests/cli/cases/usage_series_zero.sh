# SPDX-License-Identifier: BSD-3-Clause
"$TRACEMESH" info in --series 0
