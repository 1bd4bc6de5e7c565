# SPDX-License-Identifier: BSD-3-Clause
# Turntable frames are not stored figures: --turntable with --name is refused, saying so.
"$TRACEMESH" render skull --turntable 8 --name fig-skull -o fig.png
