#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Render benchmark (issue 8): the undecimated bone mesh of the Visible Human female head rendered
# by `tracemesh render` and by a plain VTK script (bench/render_vtk.py), side by side, interleaved,
# RUNS runs each (default 5), median wall time and peak RSS from /usr/bin/time -f '%e %M'.
#   shaded  2400x2400 anterior PNG: tracemesh; VTK with its own Xvfb (-displayfd, as tracemesh),
#           with vtkPolyDataNormals' defaults and with smooth normals only; VTK under `xvfb-run -a`
#   start   64x64 of the skull (process start + mesh read + Xvfb + GL context) and 64x64 of a
#           12-triangle cube (process start + Xvfb + GL context only)
#   line    `--style line` SVG and PDF: time, size, path elements and segments
# Every run starts its X server itself: DISPLAY is unset, and the Xvfb start is in the time.
# Prints a Markdown section (machine, commands, table); not run by the tests.
# Usage: bench/render_bench.sh [BUILD_DIR [DATASET_DIR]]
#   RUNS=N          runs per case (default 5, at least 3)
#   BENCH_WORK=DIR  keep the mesh and figures there (default: a temporary directory, removed)
set -eu
build=${1:-build}
data=${2:-../shared/datasets/ct-head-visible-human-female}
runs=${RUNS:-5}
[ "$runs" -ge 3 ] || { echo "render_bench: RUNS must be at least 3" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
tm_built="$(cd "$build" && pwd)/cli/tracemesh"
py=/usr/bin/python3 # Debian's python3 with python3-vtk9
unset DISPLAY

need=""
[ -x /usr/bin/time ] || need="$need time"
command -v Xvfb >/dev/null || need="$need xvfb"
command -v xvfb-run >/dev/null || need="$need xvfb"
command -v xauth >/dev/null || need="$need xauth"
$py -c "import vtk" 2>/dev/null || need="$need python3-vtk9"
if [ -n "$need" ]; then
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >/dev/null
    else
        echo "render_bench: missing Debian packages:$need" >&2
        exit 1
    fi
fi

if [ -n "${BENCH_WORK:-}" ]; then
    work=$BENCH_WORK
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/tmesh-render-bench-XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi
# a private copy of the binary: a rebuild of the tree during the runs cannot change or remove it
cp "$tm_built" "$work/tracemesh"
tm="$work/tracemesh"
times="$work/times.tsv" # case, run, wall s, max RSS KB, user s, sys s, 1-min load before
: >"$times"

# the mesh: full series, bone preset, no decimation
if [ ! -s "$work/skull.stl" ]; then
    /usr/bin/time -f '%e %M' -o "$work/build.time" "$tm" build "$data" --preset bone \
        -o "$work/skull.stl" >"$work/build.log" 2>&1
fi
# a 12-triangle cube for the pure start cost
$py - "$work/cube.stl" <<'PY'
import struct, sys
v = [(x, y, z) for x in (0, 10) for y in (0, 10) for z in (0, 10)]
q = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
t = [(a, b, c) for a, b, c, d in q] + [(a, c, d) for a, b, c, d in q]
with open(sys.argv[1], "wb") as f:
    f.write(b"\0" * 80 + struct.pack("<I", len(t)))
    for a, b, c in t:
        f.write(struct.pack("<12fH", 0, 0, 0, *v[a], *v[b], *v[c], 0))
PY

# one timed run: CASE RUN command...
timed() {
    c=$1 r=$2
    shift 2
    l0=$(cut -d' ' -f1 /proc/loadavg)
    if /usr/bin/time -f '%e %M %U %S' -o "$work/one.time" "$@" >"$work/$c.out" 2>&1; then
        printf '%s\t%s\t%s\t%s\n' "$c" "$r" "$(tr ' ' '\t' <"$work/one.time")" "$l0" >>"$times"
    else
        echo "render_bench: $c run $r failed:" >&2
        cat "$work/$c.out" >&2
        exit 1
    fi
}

sk="$work/skull.stl"
vtk="$here/render_vtk.py"
i=1
while [ "$i" -le "$runs" ]; do
    timed tm-shaded "$i" "$tm" render "$sk" --view anterior --style shaded --size 2400x2400 \
        -o "$work/tm-shaded.png"
    timed vtk-shaded "$i" $py "$vtk" "$sk" "$work/vtk-shaded.png" --size 2400x2400 --xvfb
    timed vtk-shaded-smooth "$i" $py "$vtk" "$sk" "$work/vtk-shaded-smooth.png" --size 2400x2400 \
        --xvfb --normals smooth
    timed vtk-shaded-xvfb-run "$i" xvfb-run -a $py "$vtk" "$sk" "$work/vtk-shaded-xr.png" \
        --size 2400x2400
    timed tm-64 "$i" "$tm" render "$sk" --view anterior --style shaded --size 64x64 \
        -o "$work/tm-64.png"
    timed vtk-64 "$i" $py "$vtk" "$sk" "$work/vtk-64.png" --size 64x64 --xvfb
    timed tm-cube-64 "$i" "$tm" render "$work/cube.stl" --size 64x64 -o "$work/tm-cube.png"
    timed vtk-cube-64 "$i" $py "$vtk" "$work/cube.stl" "$work/vtk-cube.png" --size 64x64 --xvfb
    timed tm-line-svg "$i" "$tm" render "$sk" --style line -o "$work/tm-line.svg"
    timed tm-line-pdf "$i" "$tm" render "$sk" --style line -o "$work/tm-line.pdf"
    i=$((i + 1))
done
# one more VTK run for the phase times and the GL strings
$py "$vtk" "$sk" "$work/vtk-report.png" --size 2400x2400 --xvfb --report 2>"$work/vtk-report.txt"
# and tracemesh's own render time (the VTK Render call plus read-back) of the last runs
tm_note=$(cat "$work/tm-shaded.out")
line_note=$(cat "$work/tm-line-svg.out")

$py - "$work" "$runs" "$build" "$data" "$tm_note" "$line_note" <<'PY'
import os, re, statistics, subprocess, sys, zlib
work, runs, build, data, tm_note, line_note = sys.argv[1:7]
rows = {}
for ln in open(os.path.join(work, "times.tsv")):
    c, r, e, m, u, s, l = ln.split()
    rows.setdefault(c, []).append((float(e), int(m), float(u) + float(s), float(l)))

def med(c):
    v = rows[c]
    return (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v),
            statistics.median(x[2] for x in v), v)

def size(name):
    return os.path.getsize(os.path.join(work, name))

def svg_counts(path):
    s = open(path, encoding="utf-8").read()
    defs_end = s.find("</defs>")
    body = s[defs_end:] if defs_end >= 0 else s
    n_all = len(re.findall(r"<path\b", s))
    paths = re.findall(r"<path\b[^>]*\bd=\"([^\"]*)\"", body)
    seg = sub = 0
    for d in paths:
        for cmd, args in re.findall(r"([MLCZmlcz])([^MLCZmlcz]*)", d):
            k = len(re.findall(r"[-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?", args))
            if cmd in "Mm":
                sub += 1
                seg += max(k // 2 - 1, 0)  # implicit lineto after the first pair
            elif cmd in "Ll":
                seg += k // 2
            elif cmd in "Cc":
                seg += k // 6
    return n_all, n_all - len(paths), len(paths), sub, seg

def pdf_counts(path):
    b = open(path, "rb").read()
    ops = {"m": 0, "l": 0, "c": 0, "re": 0, "S": 0, "f": 0}
    for m in re.finditer(rb"stream\r?\n", b):
        end = b.find(b"endstream", m.end())
        raw = b[m.end():end]
        try:
            txt = zlib.decompress(raw)
        except zlib.error:
            txt = raw
        for tok in re.findall(rb"(?<![A-Za-z])(m|l|c|re|S|f\*?|B)(?=\s)", txt):
            t = tok.decode().rstrip("*")
            if t in ops:
                ops[t] += 1
    return ops

def cpu():
    for ln in open("/proc/cpuinfo"):
        if ln.startswith("model name"):
            return ln.split(":", 1)[1].strip()
    return "?"

def mem_gib():
    for ln in open("/proc/meminfo"):
        if ln.startswith("MemTotal"):
            return int(ln.split()[1]) / 2**20
    return 0

b = open(os.path.join(work, "build.time")).read().split() if os.path.exists(
    os.path.join(work, "build.time")) else ["?", "?"]
blog = open(os.path.join(work, "build.log")).read() if os.path.exists(
    os.path.join(work, "build.log")) else ""
m = re.search(r"(\d+) vertices, (\d+) triangles", blog)
verts, tris = (m.group(1), m.group(2)) if m else ("?", "?")
if tris == "?":  # mesh left from an earlier run: the count from the binary STL header
    with open(os.path.join(work, "skull.stl"), "rb") as f:
        tris = str(int.from_bytes(f.read(84)[80:84], "little"))
rep = open(os.path.join(work, "vtk-report.txt")).read().strip()
gl = re.search(r"OpenGL renderer string:\s*([^;]*)", rep)
glv = re.search(r"OpenGL version string:\s*([^;]*)", rep)
vtkv = subprocess.run(["/usr/bin/python3", "-c", "import vtk; print(vtk.vtkVersion.GetVTKVersion())"],
                      capture_output=True, text=True).stdout.strip()
load = open("/proc/loadavg").read().split()[:3]
loads = [x[3] for v in rows.values() for x in v]

print("## Render benchmark: Visible Human skull, tracemesh render vs plain VTK\n")
print("Machine: %d cores (%s), %.0f GiB RAM, Linux %s; GL: %s, %s (software, via Xvfb); "
      "VTK %s (Debian python3-vtk9). 1-min load average before the runs %.1f-%.1f (median %.1f), "
      "%s at the end: other work shared the machine, compare the minima too.\n"
      % (os.cpu_count(), cpu(), mem_gib(), os.uname().release,
         gl.group(1).strip() if gl else "?", glv.group(1).strip() if glv else "?", vtkv,
         min(loads), max(loads), statistics.median(loads), " ".join(load)))
print("Mesh: `tracemesh build %s --preset bone -o skull.stl` (512x512x234, undecimated): "
      "%s vertices, **%s triangles**, %.1f MB binary STL; build took %s s, %s MB peak RSS.\n"
      % (data, verts, tris, size("skull.stl") / 1e6, b[0],
         round(int(b[1]) / 1024) if b[1] != "?" else "?"))
print("Median of %s interleaved runs each (min-max in brackets); every process starts its own "
      "Xvfb (DISPLAY unset), included in the time. Wall s and peak RSS from "
      "`/usr/bin/time -f '%%e %%M'`.\n" % runs)
print("| case | command | wall s, median [min-max] | CPU s (user+sys), median [min] | peak RSS MB | output |")
print("|---|---|---|---|---|---|")
cases = [
    ("tm-shaded", "`tracemesh render skull.stl --view anterior --style shaded --size 2400x2400 -o fig.png`", "tm-shaded.png"),
    ("vtk-shaded", "`python3 bench/render_vtk.py skull.stl fig.png --size 2400x2400 --xvfb`", "vtk-shaded.png"),
    ("vtk-shaded-smooth", "`python3 bench/render_vtk.py skull.stl fig.png --size 2400x2400 --xvfb --normals smooth` (vtkPolyDataNormals without splitting and consistency, as tracemesh's normals)", "vtk-shaded-smooth.png"),
    ("vtk-shaded-xvfb-run", "`xvfb-run -a python3 bench/render_vtk.py skull.stl fig.png --size 2400x2400`", "vtk-shaded-xr.png"),
    ("tm-64", "`tracemesh render skull.stl --view anterior --style shaded --size 64x64 -o s.png`", "tm-64.png"),
    ("vtk-64", "`python3 bench/render_vtk.py skull.stl s.png --size 64x64 --xvfb`", "vtk-64.png"),
    ("tm-cube-64", "`tracemesh render cube.stl --size 64x64 -o c.png` (12 triangles)", "tm-cube.png"),
    ("vtk-cube-64", "`python3 bench/render_vtk.py cube.stl c.png --size 64x64 --xvfb`", "vtk-cube.png"),
    ("tm-line-svg", "`tracemesh render skull.stl --style line -o fig.svg`", "tm-line.svg"),
    ("tm-line-pdf", "`tracemesh render skull.stl --style line -o fig.pdf`", "tm-line.pdf"),
]
for c, cmd, out in cases:
    if c not in rows:
        continue
    e, mrss, cpu_s, v = med(c)
    es = [x[0] for x in v]
    print("| %s | %s | **%.2f** [%.2f-%.2f] | %.2f [%.2f] | %.0f | %s, %.0f kB |"
          % (c, cmd, e, min(es), max(es), cpu_s, min(x[2] for x in v), mrss / 1024, out,
             size(out) / 1e3))
print()
svg = svg_counts(os.path.join(work, "tm-line.svg"))
pdf = pdf_counts(os.path.join(work, "tm-line.pdf"))
print("Line art (default 1200x1200 px frame, 288 pt): SVG %.0f kB with %d `<path>` elements "
      "(%d glyph outlines in `<defs>`, %d drawn paths), %d subpaths, **%d path segments** "
      "(lineto + curveto); PDF %.0f kB with %d moveto, %d lineto, %d curveto, %d re operators. "
      "tracemesh says: %s\n"
      % (size("tm-line.svg") / 1e3, svg[0], svg[1], svg[2], svg[3], svg[4],
         size("tm-line.pdf") / 1e3, pdf["m"], pdf["l"], pdf["c"], pdf["re"],
         line_note.strip().replace("\n", " ")))
print("VTK script phases (one extra run): %s\n"
      % rep.split("; OpenGL")[0].replace("render_vtk: ", ""))
print("tracemesh (last shaded run): %s\n" % tm_note.strip().replace("\n", " "))
PY
