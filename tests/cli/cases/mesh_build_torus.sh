# SPDX-License-Identifier: BSD-3-Clause
# DICOM folder -> finished mesh in one command: a torus phantom keeps genus 1, closed, outward.
"$PHANTOM" in --shape torus --size 64x64x40 --spacing 0.8,0.8,1.5
"$TRACEMESH" build in --preset bone --smooth 10 --decimate 0.5 -o torus.glb > build.txt
grep -q 'torus.glb: .* 1 components, .* closed$' build.txt
"$TRACEMESH" check --json torus.glb > report.json
grep -q '"genus": 1' report.json
grep -q '"outward": true' report.json
