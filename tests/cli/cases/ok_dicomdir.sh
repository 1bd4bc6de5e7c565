# SPDX-License-Identifier: BSD-3-Clause
# A CD layout: DICOMDIR plus extension-less upper-case files. Pointing at the DICOMDIR loads
# what it references; a referenced file that is gone is reported as missing.
"$PHANTOM" in --size 32x32x6
mkdir -p cd/IMAGES
for f in in/*.dcm; do cp "$f" "cd/IMAGES/$(basename "$f" .dcm)"; done
(cd cd && dcmmkdir +r +I IMAGES >/dev/null 2>&1)
"$TRACEMESH" info --json cd/DICOMDIR > info.json
grep -q "\"dim\":\[32,32,6\]" info.json
rm cd/IMAGES/IM00004
"$TRACEMESH" scan cd/DICOMDIR > scan.txt
grep -q "skipped IMAGES/IM00004: referenced by DICOMDIR but missing" scan.txt
