# SPDX-License-Identifier: BSD-3-Clause
"$PHANTOM" in --size 32x32x4
"$TRACEMESH" volume in -o /nonexistent/dir/x.nii.gz
