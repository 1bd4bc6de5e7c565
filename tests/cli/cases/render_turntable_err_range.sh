# SPDX-License-Identifier: BSD-3-Clause
# A turntable has 2..360 frames: 1 and 1000 are refused, naming the option.
if "$TRACEMESH" render nothing.stl --turntable 1 -o fig.png; then exit 9; fi
"$TRACEMESH" render nothing.stl --turntable 1000 -o fig.png
