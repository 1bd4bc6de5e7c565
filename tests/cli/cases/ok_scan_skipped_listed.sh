# SPDX-License-Identifier: BSD-3-Clause
# Non-image files are listed with their reason, not fatal.
"$PHANTOM" in --size 32x32x4 --gzip
printf "readme\n" > in/README.txt
"$TRACEMESH" scan in > out.txt
grep -q "1 series in 5 files; 1 skipped" out.txt
grep -q "skipped README.txt: not DICOM (file too short)" out.txt
"$TRACEMESH" scan --json in | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); assert d[\"skipped\"][0][\"path\"]==\"README.txt\"; assert d[\"series\"][0][\"dim\"]==[32,32,4]"
