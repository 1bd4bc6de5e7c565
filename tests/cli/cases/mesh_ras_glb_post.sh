# SPDX-License-Identifier: BSD-3-Clause
# Smoothing, decimation, largest piece and RAS output keep the mesh closed; glTF records mm/RAS.
"$PHANTOM" in --shape marker --size 48x48x32 --spacing 0.8,0.9,1.5
"$TRACEMESH" -q volume in -o vol.nii.gz
"$TRACEMESH" -q mesh vol.nii.gz --iso 0 --smooth 10 --smooth-method sinc --decimate 0.5 \
    --keep-largest --ras -o out.glb
"$TRACEMESH" check --json out.glb > report.json
grep -q '"watertight": true' report.json
grep -q '"components": 1' report.json
grep -q '"space":"RAS","units":"mm"' out.glb
"$TRACEMESH" mesh vol.nii.gz --iso 0 --smooth 5 -o out.ply
