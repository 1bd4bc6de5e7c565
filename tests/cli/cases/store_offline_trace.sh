# SPDX-License-Identifier: BSD-3-Clause
# An exported file away from any store is traced through its PROV-JSON sidecar: the file's
# hash against the sidecar, the DICOM files it lists against --source DIR.
mkdir proj away
"$PHANTOM" proj/in --size 32x32x16 > /dev/null
"$TRACEMESH" init proj > /dev/null
(cd proj && "$TRACEMESH" publish skull --dicom in > /dev/null)
(cd proj && "$TRACEMESH" -q export skull -o ../away/skull.ply > /dev/null)
cd away
"$TRACEMESH" trace skull.ply --source ../proj/in > ok.txt
grep -q '^file      skull.ply sha256 [0-9a-f]*: matches its sidecar skull.ply.prov.json$' ok.txt
test "$(grep -c '^  dicom .* ok$' ok.txt)" -eq 16
size=$(wc -c < skull.ply)
printf '\002' | dd of=skull.ply bs=1 seek=$((size - 5)) conv=notrunc 2> /dev/null
"$TRACEMESH" trace skull.ply --source ../proj/in > modified.txt
