# SPDX-License-Identifier: BSD-3-Clause
# info --json gives the exact matrix of an oblique phantom and no identifiers.
"$PHANTOM" in --size 48x40x32 --orient oblique --shape marker
"$TRACEMESH" -q info --json in > info.json
! grep -q "Patricia\|PID-PHANTOM" info.json
/usr/bin/python3 - <<PY
import json, math
d = json.load(open("info.json"))
assert d["dim"] == [48, 40, 32], d["dim"]
m = d["ijk_to_lps"]
a, b = math.radians(20), math.radians(15)
assert abs(m[0][0] - math.cos(a)) < 1e-6 and abs(m[1][0] - math.sin(a) * math.cos(b)) < 1e-6
assert abs(m[0][1] + math.sin(a)) < 1e-6
assert d["value_min"] == -1000 and d["value_max"] == 1000
assert d["orientation"] == "oblique"
PY
