# SPDX-License-Identifier: BSD-3-Clause
# 'export --dicom' writes a DICOM Encapsulated STL object that dciodvfy accepts: in the source's
# study and frame of reference, listing every source slice, without the phantom's patient name
# or ID, holding the very STL 'export -o' writes; 'trace' finds it and a re-export is identical.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
"$TRACEMESH" publish skull --dicom in --preset bone > /dev/null
"$TRACEMESH" -q export skull@1 -o x.stl > /dev/null
"$TRACEMESH" -q export skull@1 --dicom out.dcm > export.txt
h='[0-9a-f]\{64\}'
grep -q "^out.dcm: skull@1 mesh $h sha256 $h, provenance out.dcm.prov.json\$" export.txt
# dciodvfy: no error; the only warnings are the DICOMDIR keys left empty on purpose (patient
# ID, study date, time and ID are not in the source manifest).
dciodvfy out.dcm > vfy.txt 2>&1 || true
if grep -i '^error' vfy.txt >&2; then exit 1; fi
if grep -i '^warning' vfy.txt | grep -v -e 'needed to build DICOMDIR - Patient ID$' \
    -e 'needed to build DICOMDIR - Study Date$' -e 'needed to build DICOMDIR - Study Time$' \
    -e 'needed to build DICOMDIR - Study ID$' >&2; then
    exit 1
fi
grep -q '^EncapsulatedSTL$' vfy.txt
# Value of a top-level attribute (+p prefixes nested ones with their sequence's tag).
val() { dcmdump -Un +L +p +P "$1" "$2" | sed -n 's/^([0-9a-f,]*) [A-Z][A-Z] \[\([^]]*\)\].*/\1/p'; }
test "$(val 0008,0016 out.dcm)" = 1.2.840.10008.5.1.4.1.1.104.3
test "$(val 0008,0060 out.dcm)" = M3D
test "$(val 0042,0012 out.dcm)" = model/stl
test "$(dcmdump +P 0042,0015 out.dcm | awk '{print $3}')" = "$(wc -c < x.stl | tr -d ' ')"
one=$(ls in | head -n 1)
test -n "$(val 0020,0052 out.dcm)"
test "$(val 0020,0052 out.dcm)" = "$(val 0020,0052 "in/$one")"
test "$(val 0020,000d out.dcm)" = "$(val 0020,000d "in/$one")"
test "$(val 0020,000e out.dcm)" != "$(val 0020,000e "in/$one")"
# Units: UCUM millimetres.
dcmdump +P 0040,08ea out.dcm > units.txt
grep -q '(0008,0100) SH \[mm\]' units.txt
grep -q '(0008,0102) SH \[UCUM\]' units.txt
# Provenance text: asset, version and the whole mesh hash.
mesh=$(sed -n 's/^out.dcm: skull@1 mesh \([0-9a-f]*\) .*/\1/p' export.txt)
test "$(val 0042,0010 out.dcm)" = "tracemesh asset=skull@1 mesh=$mesh"
test "$(val 0008,103e out.dcm)" = "tracemesh asset=skull@1"
test "$(val 0070,0081 out.dcm)" = "tracemesh asset=skull@1"
# Every source slice, by SOP Class and Instance, in the Source Instance Sequence and in the
# Referenced Series Sequence under the source's series.
dcmdump -Un +P 0042,0013 out.dcm > sis.txt
test "$(grep -c 'ReferencedSOPInstanceUID' sis.txt)" -eq 16
test "$(grep -c '(0008,1150) UI \[1.2.840.10008.5.1.4.1.1.2\]' sis.txt)" -eq 16
sed -n 's/^ *(0008,1155) UI \[\([^]]*\)\].*/\1/p' sis.txt | sort > refs.txt
for f in in/*; do val 0008,0018 "$f"; done | sort > slices.txt
cmp refs.txt slices.txt
dcmdump -Un +P 0008,1115 out.dcm > rss.txt
grep -q "(0020,000e) UI \[$(val 0020,000e "in/$one")\]" rss.txt
test "$(grep -c '(0008,1155)' rss.txt)" -eq 16
# No patient identifier: the name and ID are empty.
if grep -a -q -e 'Phantom^Patricia' -e 'PID-PHANTOM-42' -e 'Patricia' out.dcm \
    out.dcm.prov.json; then
    echo "patient identifier in out.dcm" >&2
    exit 1
fi
dcmdump +P 0010,0010 +P 0010,0020 out.dcm > patient.txt
test "$(grep -c 'no value available' patient.txt)" -eq 2
# The Encapsulated Document, read back by DCMTK, is byte for byte the STL of 'export -o'.
dcm2json out.dcm | python3 -c 'import base64, json, sys
sys.stdout.buffer.write(base64.b64decode(json.load(sys.stdin)["00420011"]["InlineBinary"]))' > y.stl
cmp x.stl y.stl
# Same version, same object (UIDs and dates come from the version, not the clock).
"$TRACEMESH" -q export skull@1 --dicom again.dcm > /dev/null
cmp out.dcm again.dcm
# One byte changed in the STL: trace reports the file MODIFIED and still names its version.
cp out.dcm changed.dcm
size=$(wc -c < changed.dcm)
printf '\001' | dd of=changed.dcm bs=1 seek=$((size - 20)) conv=notrunc 2> /dev/null
if "$TRACEMESH" trace changed.dcm > changed.txt 2> /dev/null; then exit 1; fi
grep -q 'MODIFIED (no export has this hash; its tag names skull@1)' changed.txt
"$TRACEMESH" trace out.dcm > trace.txt
grep -q '^file      out.dcm sha256 [0-9a-f]*: unchanged since export of skull@1 (dcm)$' trace.txt
grep -q '16 DICOM files, 0 problems$' trace.txt
