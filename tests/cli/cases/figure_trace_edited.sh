# SPDX-License-Identifier: BSD-3-Clause
# A figure PNG changed by one byte matches no stored figure: trace reports it as MODIFIED,
# names the figure its metadata claims, and exits 4.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" -q init > /dev/null
"$TRACEMESH" -q publish skull --dicom in > /dev/null
"$TRACEMESH" -q render skull --size 160x160 --name fig-front -o fig.png > /dev/null
"$TRACEMESH" trace fig.png > before.txt
size=$(wc -c < fig.png)
printf '\001' | dd of=fig.png bs=1 seek=$((size - 30)) conv=notrunc 2> /dev/null
if "$TRACEMESH" trace fig.png > after.txt 2> /dev/null; then exit 1; fi
grep -q '^file      fig.png sha256 [0-9a-f]\{64\}: MODIFIED (no figure has this hash; its metadata names fig-front@1)$' after.txt
if "$TRACEMESH" verify fig.png > verify.txt 2> /dev/null; then exit 1; fi
grep -q '^  DIFFERS   figure file      fig.png' verify.txt
"$TRACEMESH" trace fig.png > /dev/null
