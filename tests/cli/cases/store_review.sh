# SPDX-License-Identifier: BSD-3-Clause
# Reviews are immutable, accumulate, and show wherever the version is shown; a review must
# name an explicit version.
"$TRACEMESH" init > /dev/null
printf 'solid t\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid t\n' > t.stl
"$TRACEMESH" publish jaw --from t.stl > /dev/null
"$TRACEMESH" show jaw@1 | grep -q '^review      unreviewed$'
"$TRACEMESH" review jaw@1 --reject --by "Dr A" --note "too coarse" > /dev/null
"$TRACEMESH" review jaw@1 --approve --by "Dr B" > /dev/null
"$TRACEMESH" show jaw@1 > show.txt
grep -q '^review      approved$' show.txt
grep -q 'rejected by Dr A at .*: too coarse' show.txt
"$TRACEMESH" log jaw | grep -q '^    review   approved$'
"$TRACEMESH" -q export jaw@1 -o jaw.stl > /dev/null
grep -q '"rejected by Dr A at .*: too coarse"' jaw.stl.prov.json
"$TRACEMESH" review jaw --approve --by "Dr C"
