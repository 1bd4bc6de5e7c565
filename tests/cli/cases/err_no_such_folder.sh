"$TRACEMESH" info nowhere
