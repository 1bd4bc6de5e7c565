# SPDX-License-Identifier: BSD-3-Clause
# A dangling link stands for a file that cannot be read (root reads any mode).
mkdir in
ln -s /nonexistent/IM00001.dcm in/IM00001.dcm
"$TRACEMESH" info in
