# SPDX-License-Identifier: BSD-3-Clause
# The store is found from a sub-folder (walking up), by --store DIR and by TRACEMESH_STORE.
"$TRACEMESH" init proj > /dev/null
printf 'solid t\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid t\n' > t.stl
mkdir -p proj/deep/er
(cd proj/deep/er && "$TRACEMESH" publish a --from ../../../t.stl > /dev/null)
"$TRACEMESH" log --store proj | grep -q '^a  *1 version, latest a@1'
TRACEMESH_STORE=proj/.tracemesh "$TRACEMESH" show a | grep -q '^asset       a@1$'
if "$TRACEMESH" init proj 2> /dev/null; then exit 1; fi
"$TRACEMESH" log --store nowhere
