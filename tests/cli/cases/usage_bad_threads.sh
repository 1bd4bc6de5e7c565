"$TRACEMESH" scan in --threads -1
