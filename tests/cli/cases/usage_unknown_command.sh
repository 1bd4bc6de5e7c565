"$TRACEMESH" frobnicate
