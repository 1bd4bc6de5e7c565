# SPDX-License-Identifier: BSD-3-Clause
# Only foreign files.
mkdir in
printf "hello\n" > in/notes.txt
head -c 4000 /dev/zero > in/zeros.bin
"$TRACEMESH" info in
