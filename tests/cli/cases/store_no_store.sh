# SPDX-License-Identifier: BSD-3-Clause
# Without a store above the current folder, a store command says how to make one.
mkdir -p a/b && cd a/b
TRACEMESH_STORE= "$TRACEMESH" log
