# SPDX-License-Identifier: BSD-3-Clause
# One SeriesInstanceUID holding an axial and a coronal stack (a localizer habit): two stacks.
"$PHANTOM" a --size 32x32x6
"$PHANTOM" b --size 32x32x4 --orient coronal
uid=$(dcmdump +P SeriesInstanceUID a/IM00001.dcm | sed "s/.*\[\(.*\)\].*/\1/")
dcmodify -nb -m "(0020,000e)=$uid" b/*.dcm
mkdir in && mv a in/a && mv b in/b
"$TRACEMESH" scan --json in > scan.json
/usr/bin/python3 - <<PY
import json
d = json.load(open("scan.json"))
s = d["series"]
assert len(s) == 2, s
assert s[0]["series_uid"] == s[1]["series_uid"]
assert sorted(x["stack"] for x in s) == [0, 1]
assert sorted(x["orientation"] for x in s) == ["axial", "coronal"]
assert sorted(x["slices"] for x in s) == [4, 6]
PY
"$TRACEMESH" -q info --series 2 in > /dev/null
