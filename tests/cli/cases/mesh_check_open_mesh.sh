# SPDX-License-Identifier: BSD-3-Clause
# A single triangle is not closed: check reports it and exits 3; nothing is fixed.
printf 'solid t\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid t\n' > tri.stl
cp tri.stl before.stl
"$TRACEMESH" check --json tri.stl > report.json || true
grep -q '"boundary_edges": 3' report.json
cmp tri.stl before.stl
"$TRACEMESH" check tri.stl
