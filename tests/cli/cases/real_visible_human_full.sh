# SPDX-License-Identifier: BSD-3-Clause
# Full Visible Human head: 512 x 512 x 234, 1 mm, z from 1500 mm, HU range from its README.
"$TRACEMESH" -q info --json "$SHARED/ct-head-visible-human-female/dicom" > info.json
/usr/bin/python3 - <<PY
import json
d = json.load(open("info.json"))
assert d["dim"] == [512, 512, 234], d["dim"]
assert d["spacing"] == [1.0, 1.0, 1.0]
assert d["origin"] == [0.0, 0.0, 1500.0]
assert d["value_min"] == -1024 and d["value_max"] == 3063
assert d["files"] == 234 and d["orientation"] == "axial"
PY
