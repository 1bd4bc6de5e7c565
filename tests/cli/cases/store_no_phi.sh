# SPDX-License-Identifier: BSD-3-Clause
# The phantom's patient name and ID are in every DICOM file but in no exported file, sidecar,
# trace output or stored object.
"$PHANTOM" in --size 32x32x16 > /dev/null
test "$(grep -l 'Phantom^Patricia' in/* | wc -l)" -eq 16
grep -q 'PID-PHANTOM-42' in/*
"$TRACEMESH" init > /dev/null
"$TRACEMESH" publish skull --dicom in --lower 0 --upper 3000 > /dev/null
for ext in stl obj ply glb; do
    "$TRACEMESH" -q export skull -o skull.$ext > /dev/null
done
"$TRACEMESH" trace skull --json > trace.json
"$TRACEMESH" trace skull --prov > prov.json
grep -q '"tmesh:DicomFile"' skull.stl.prov.json
for f in .tracemesh/objects/*/*; do gzip -dc "$f"; done > objects.bin
for f in skull.* trace.json prov.json objects.bin; do
    if grep -a -q -e 'Phantom^Patricia' -e 'PID-PHANTOM-42' -e 'Patricia' "$f"; then
        echo "patient identifier in $f" >&2
        exit 1
    fi
done
# No absolute path of the scan in anything that leaves the store.
if grep -q "$PWD" skull.stl.prov.json skull.obj skull.ply; then exit 1; fi
