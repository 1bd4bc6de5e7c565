"$TRACEMESH" volume in
