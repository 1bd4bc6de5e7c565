# Nothing to load.
mkdir in
"$TRACEMESH" info in
