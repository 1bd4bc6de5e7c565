# SPDX-License-Identifier: BSD-3-Clause
# Nothing to load.
mkdir in
"$TRACEMESH" info in
