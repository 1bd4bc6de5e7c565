# SPDX-License-Identifier: BSD-3-Clause
# A source DICOM file changed after the build: trace marks it MODIFIED and verify names it as
# the first link that differs (exit 4); the replay of dicom-load then differs too.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
"$TRACEMESH" publish skull --dicom in > /dev/null
"$TRACEMESH" verify skull > ok.txt
f=$(ls in | sort | head -n 1)
size=$(wc -c < in/$f)
printf '\177' | dd of=in/$f bs=1 seek=$((size - 2)) conv=notrunc 2> /dev/null
if "$TRACEMESH" trace skull > trace.txt 2> /dev/null; then exit 1; fi
grep -q "dicom *$f .* MODIFIED$" trace.txt
"$TRACEMESH" verify skull > verify.txt
