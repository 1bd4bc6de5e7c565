"$TRACEMESH" info in --series 0
