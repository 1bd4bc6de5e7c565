# SPDX-License-Identifier: BSD-3-Clause
# --clip wants L,P,S:NL,NP,NS; a missing coordinate or colon is named with the expected form.
if "$TRACEMESH" render nothing.stl --clip 0,0,0,1,0,0 -o fig.png; then exit 9; fi
"$TRACEMESH" render nothing.stl --clip 1,2:0,0,1 -o fig.png
