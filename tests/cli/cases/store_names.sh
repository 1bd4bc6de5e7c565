# SPDX-License-Identifier: BSD-3-Clause
# Asset names are checked before anything is stored: no '/', no '..', a bounded charset.
"$TRACEMESH" init > /dev/null
printf 'solid t\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid t\n' > t.stl
if "$TRACEMESH" publish a/b --from t.stl 2> e1.txt; then exit 1; fi
grep -q "asset name 'a/b': character 2 is not allowed" e1.txt
if "$TRACEMESH" publish 'x..y' --from t.stl 2> /dev/null; then exit 1; fi
test -z "$(ls .tracemesh/objects)"
"$TRACEMESH" publish ../etc --from t.stl
