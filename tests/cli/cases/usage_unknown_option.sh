"$TRACEMESH" scan in --frobnicate
