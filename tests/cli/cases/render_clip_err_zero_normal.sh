# SPDX-License-Identifier: BSD-3-Clause
# A clipping plane needs a direction: a zero normal is refused before anything is read.
"$TRACEMESH" render nothing.stl --clip 0,0,0:0,0,0 -o fig.png
