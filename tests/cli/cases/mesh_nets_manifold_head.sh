# SPDX-License-Identifier: BSD-3-Clause
# SurfaceNets on a real CT mask stays closed and manifold: the bone mask of the sample head CT
# (thin trabecular bone: hundreds of cube faces that one sheet crosses twice on both sides)
# meshed with --method nets, alone and with every connected piece as its own label, passes
# `tracemesh check` (watertight, manifold, outward, no coincident vertex), with the same bytes
# at 1, 2 and 7 threads.
"$TRACEMESH" -q segment "$SRC/datasets/vhf-head-3mm/dicom" --preset bone -o bone.nii.gz > /dev/null
for j in 1 2 7; do
    "$TRACEMESH" -q mesh bone.nii.gz --method nets -j $j -o nets$j.ply > /dev/null
done
cmp nets1.ply nets2.ply
cmp nets1.ply nets7.ply
"$TRACEMESH" check --json nets1.ply > nets.json
/usr/bin/python3 - <<'PY'
import json
d = json.load(open("nets.json"))
assert d["ok"] and d["nonmanifold_edges"] == 0 and d["nonmanifold_vertices"] == 0, d
assert d["boundary_edges"] == 0 and d["coincident_vertices"] == 0, d
assert d["triangles"] > 100000 and d["volume_ml"] > 100, d
PY
"$TRACEMESH" -q segment bone.nii.gz --threshold 1 1 --label-components -o pieces.nii.gz > /dev/null
"$TRACEMESH" -q mesh pieces.nii.gz --all-labels --method nets -o pieces.obj > /dev/null
"$TRACEMESH" check pieces.obj > /dev/null
