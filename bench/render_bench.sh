#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Render timing: a UV sphere of about 2 million triangles (binary STL, written by python3) as a
# 2400x2400 shaded PNG and as line art (SVG), plus a 64x64 run that shows the fixed cost (reading
# the STL, starting Xvfb). Not run by the tests. Usage: bench/render_bench.sh BUILD_DIR
set -eu
build=${1:-build}
tm="$build/cli/tracemesh"
work=$(mktemp -d "${TMPDIR:-/tmp}/tmesh-render-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 - "$work/big.stl" <<'PY'
import math, struct, sys
nl, nm, r = 700, 1400, 60.0
def p(i, j):
    th, ph = math.pi * i / nl, 2 * math.pi * (j % nm) / nm
    return (r * math.sin(th) * math.cos(ph), r * math.sin(th) * math.sin(ph), r * math.cos(th))
tris = []
for i in range(nl):
    for j in range(nm):
        a, b, c, d = p(i, j), p(i + 1, j), p(i + 1, j + 1), p(i, j + 1)
        if i > 0: tris.append((a, d, b))
        if i < nl - 1: tris.append((b, d, c))
with open(sys.argv[1], "wb") as f:
    f.write(b"\0" * 80 + struct.pack("<I", len(tris)))
    for t in tris:
        f.write(struct.pack("<12fH", 0, 0, 0, *t[0], *t[1], *t[2], 0))
PY
for args in "--size 64x64 -o $work/small.png" "--size 2400x2400 --style shaded -o $work/big.png" \
            "--size 2400x2400 --style shaded --ssao -o $work/ssao.png" \
            "--size 2400x2400 --style line -o $work/big.svg"; do
    /usr/bin/time -f "%e s wall, %M KB max RSS" "$tm" render "$work/big.stl" $args
done
ls -l "$work"
