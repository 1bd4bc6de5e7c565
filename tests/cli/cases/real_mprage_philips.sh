# SPDX-License-Identifier: BSD-3-Clause
# Philips MPRAGE: 256 x 256 x 170 at 1 mm, oblique sagittal (README).
"$TRACEMESH" -q info --json "$SHARED/mr-t1-head-mprage-philips/dicom" > info.json
/usr/bin/python3 - <<PY
import json
d = json.load(open("info.json"))
assert d["dim"] == [256, 256, 170], d["dim"]
assert all(abs(s - 1.0) < 1e-3 for s in d["spacing"]), d["spacing"]
assert d["orientation"] == "oblique" and d["files"] == 170
PY
