# SPDX-License-Identifier: BSD-3-Clause
# A version the asset does not have is a usage error naming NAME@VERSION; so is an unknown
# figure version for trace.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" -q init > /dev/null
"$TRACEMESH" -q publish skull --dicom in > /dev/null
if "$TRACEMESH" render skull@4 -o fig.png 2> err.txt; then exit 1; fi
grep -q 'skull@4' err.txt
"$TRACEMESH" render skull@3 --name fig-front -o fig.png
