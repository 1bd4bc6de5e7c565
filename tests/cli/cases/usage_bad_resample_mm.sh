"$TRACEMESH" info in --resample-mm 0
