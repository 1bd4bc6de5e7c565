"$TRACEMESH" volume in -o x.mhd
