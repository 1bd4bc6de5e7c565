# SPDX-License-Identifier: BSD-3-Clause
# An asset the store does not hold is a usage error naming it, before any X server starts.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" -q init > /dev/null
"$TRACEMESH" -q publish skull --dicom in > /dev/null
"$TRACEMESH" render jaw -o fig.png
