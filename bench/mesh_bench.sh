#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Mesh benchmark (issue 4), tracemesh and its peers side by side in one run, RUNS runs each
# (default 3), medians; wall time and peak RSS of whole processes from /usr/bin/time -f '%e %M'.
#   extract   isosurface at ISO (default 300 HU) of the Visible Human female head (512x512x234)
#             and of a 512x512x400 phantom: tracemesh (in-process time of
#             tmesh_mesh_isosurface, and the whole `tracemesh mesh VOL --iso ISO -o x.stl`)
#             against vtkFlyingEdges3D, skimage.measure.marching_cubes and, on the mask
#             (value >= ISO), vtkDiscreteFlyingEdges3D against tmesh_mesh_from_labels. The
#             peers' times are of the filter alone, the volume already in memory.
#   build     `tracemesh build DIR --preset bone --smooth 20 --decimate 0.5 -o x.stl` against a
#             DicomToMesh-style VTK pipeline (bench/mesh_vtk.py pipeline), with `tracemesh check`
#             of both outputs.
# Prints a Markdown section; not run by the tests.
# Usage: bench/mesh_bench.sh [BUILD_DIR [DATASET_DIR]]
#   RUNS=N  runs per case (default 3, at least 3)   ISO=V  isovalue (default 300)
#   BENCH_WORK=DIR  keep inputs and outputs there (default: a temporary directory, removed)
set -eu
build=$(cd "${1:-build}" && pwd)
data=${2:-../shared/datasets/ct-head-visible-human-female}
data=$(cd "$data" && pwd)
runs=${RUNS:-3}
iso=${ISO:-300}
[ "$runs" -ge 3 ] || { echo "mesh_bench: RUNS must be at least 3" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
tm="$build/cli/tracemesh"
ph="$build/datasets/tmesh-phantom"
py=/usr/bin/python3
if [ -n "${BENCH_WORK:-}" ]; then
    work=$BENCH_WORK
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/tmesh-mesh-bench-XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi

# In-process timing of the extraction alone, against the same static libraries as the CLI.
cat > "$work/tm_extract.c" <<'C'
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tracemesh/mesh.h"
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
int main(int argc, char **argv)
{
    /* tm_extract VOL.nii.gz ISO RUNS iso|mask */
    tmesh_error err = TMESH_ERROR_INIT;
    tmesh_volume *v = NULL, *mask = NULL;
    if (argc != 5 || tmesh_volume_read_nifti(&v, argv[1], &err) != TMESH_OK) {
        fprintf(stderr, "tm_extract: %s\n", err.msg);
        return 1;
    }
    double iso = atof(argv[2]), t[64];
    int runs = atoi(argv[3]), use_mask = strcmp(argv[4], "mask") == 0;
    size_t ntri = 0;
    if (use_mask) {
        if (tmesh_volume_new(&mask, v->dim, TMESH_VOXEL_U8, &err) != TMESH_OK)
            return 1;
        memcpy(mask->ijk_to_lps, v->ijk_to_lps, sizeof v->ijk_to_lps);
        size_t n = v->dim[0] * v->dim[1] * v->dim[2];
        for (size_t i = 0; i < n; i++)
            ((unsigned char *)mask->data)[i] = ((const short *)v->data)[i] >= iso;
    }
    for (int r = 0; r < runs && r < 64; r++) {
        tmesh_mesh *m = NULL;
        double t0 = now();
        tmesh_status rc;
        if (use_mask) {
            tmesh_mesh_label_opts o = TMESH_MESH_LABEL_OPTS_INIT;
            rc = tmesh_mesh_from_labels(&m, mask, &o, &err);
        } else {
            tmesh_mesh_iso_opts o = TMESH_MESH_ISO_OPTS_INIT;
            o.iso = iso;
            rc = tmesh_mesh_isosurface(&m, v, &o, &err);
        }
        t[r] = now() - t0;
        if (rc != TMESH_OK) {
            fprintf(stderr, "tm_extract: %s\n", err.msg);
            return 1;
        }
        ntri = m->n_triangles;
        tmesh_mesh_free(m);
    }
    qsort(t, (size_t)runs, sizeof t[0], cmp);
    printf("%.4f %zu\n", t[runs / 2], ntri);
    tmesh_volume_free(v);
    tmesh_volume_free(mask);
    return 0;
}
C
cc -std=c11 -O2 -I"$src/include" "$work/tm_extract.c" "$build/mesh/libtmesh_mesh.a" \
    "$build/core/libtmesh_core.a" $(pkg-config --libs assimp nettle) -lmeshoptimizer \
    -lniftiio -lznz -lz -lm -lpthread -lstdc++ -o "$work/tm_extract"

# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# timed CMD...: runs it RUNS times; prints "median_wall_s median_peak_MiB"
timed() {
    : > "$work/t.txt"
    i=0
    while [ $i -lt "$runs" ]; do
        /usr/bin/time -f '%e %M' -o "$work/t1.txt" "$@" > "$work/out.txt" 2> "$work/err.txt" ||
            { echo "mesh_bench: failed: $*" >&2; cat "$work/err.txt" >&2; exit 1; }
        tail -n 1 "$work/t1.txt" >> "$work/t.txt"
        i=$((i + 1))
    done
    w=$(cut -d' ' -f1 "$work/t.txt" | median)
    m=$(cut -d' ' -f2 "$work/t.txt" | median)
    echo "$w $(awk -v k="$m" 'BEGIN {printf "%.0f", k / 1024}')"
}
checks() { # one-line summary of `tracemesh check --json`
    "$tm" check --json "$1" > "$work/c.json" || true
    $py - "$work/c.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("%d tri, %s, %s, %d non-manifold edges, %d boundary edges, area %.0f mm2, %.1f ml" % (
    d["triangles"], "closed" if d["watertight"] else "open",
    "ok" if d["ok"] else "not ok", d["nonmanifold_edges"], d["boundary_edges"],
    d["area_mm2"], d["volume_ml"]))
PY
}

# vtkDICOMImageReader reads no gzip-wrapped files: both tools read the same unwrapped copy.
mkdir -p "$work/vhdcm"
for f in "$data"/dicom/*.dcm.gz; do
    gzip -dc "$f" > "$work/vhdcm/$(basename "$f" .gz)"
done
"$tm" -q volume "$work/vhdcm" -o "$work/vh.nii.gz" > /dev/null
"$ph" "$work/phantom" --shape spheres --size 512x512x400 --spacing 0.5,0.5,0.6 > /dev/null
"$tm" -q volume "$work/phantom" -o "$work/ph.nii.gz" > /dev/null

cpu=$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)
echo "## Meshing (issue 4)"
echo
echo "$(nproc) cores ($cpu), $(free -g | awk '/^Mem:/ {print $2}') GiB; median of $runs runs;"
echo "VTK $($py -c 'import vtk; print(vtk.vtkVersion.GetVTKVersion())') with its default SMP"
echo "backend on every core, scikit-image $($py -c 'import skimage; print(skimage.__version__)'),"
echo "tracemesh on every core. Isovalue $iso HU; the mask is value >= $iso."
echo
echo "### Isosurface extraction"
echo
echo "| input | tool | extraction s | triangles | whole process s | peak MiB |"
echo "|---|---|---:|---:|---:|---:|"
for input in vh ph; do
    vol="$work/$input.nii.gz"
    name=$([ $input = vh ] && echo "Visible Human head 512x512x234" || echo "phantom 512x512x400")
    set -- $("$work/tm_extract" "$vol" "$iso" "$runs" iso)
    te=$1 tn=$2
    set -- $(timed "$work/tm_extract" "$vol" "$iso" 1 iso)
    echo "| $name | tracemesh (tmesh_mesh_isosurface) | $te | $tn | $1 | $2 |"
    set -- $(timed "$tm" -q mesh "$vol" --iso "$iso" -o "$work/tm_$input.stl")
    echo "| $name | \`tracemesh mesh --iso\` (read, extract, check, write STL) | - | $tn | $1 | $2 |"
    for tool in fe skimage; do
        set -- $($py "$here/mesh_vtk.py" extract "$vol" "$iso" $tool "$runs")
        pe=$1 pn=$2
        set -- $(timed $py "$here/mesh_vtk.py" extract "$vol" "$iso" $tool 1)
        label=$([ $tool = fe ] && echo vtkFlyingEdges3D || echo skimage.measure.marching_cubes)
        echo "| $name | $label | $pe | $pn | $1 | $2 |"
        [ $tool = fe ] && fe_time=$pe
    done
    echo "| $name | speed-up over vtkFlyingEdges3D | $(awk -v a="$fe_time" -v b="$te" 'BEGIN {printf "%.2fx", a / b}') | | | |"
    set -- $("$work/tm_extract" "$vol" "$iso" "$runs" mask)
    echo "| $name, mask | tracemesh (tmesh_mesh_from_labels, mc) | $1 | $2 | | |"
    set -- $($py "$here/mesh_vtk.py" extract "$vol" "$iso" dfe "$runs")
    echo "| $name, mask | vtkDiscreteFlyingEdges3D | $1 | $2 | | |"
done
echo
echo "### DICOM folder to decimated STL"
echo
echo "tracemesh: \`tracemesh build DIR --preset bone --smooth 20 --decimate 0.5 -o x.stl\`."
echo "VTK: vtkDICOMImageReader, vtkFlyingEdges3D at 226 HU (the lower bound of the bone preset),"
echo "vtkWindowedSincPolyDataFilter 20 iterations, vtkQuadricDecimation 0.5, vtkSTLWriter"
echo "(bench/mesh_vtk.py pipeline)."
echo
echo "| input | tool | wall s | peak MiB | output (\`tracemesh check\`) |"
echo "|---|---|---:|---:|---|"
for input in vh ph; do
    dir=$([ $input = vh ] && echo "$work/vhdcm" || echo "$work/phantom")
    name=$([ $input = vh ] && echo "Visible Human head" || echo "phantom 512x512x400")
    set -- $(timed "$tm" -q build "$dir" --preset bone --smooth 20 --decimate 0.5 -o "$work/b_$input.stl")
    tw=$1 tr=$2
    echo "| $name | tracemesh build | $1 | $2 | $(checks "$work/b_$input.stl") |"
    set -- $(timed $py "$here/mesh_vtk.py" pipeline "$dir" 226 "$work/v_$input.stl")
    echo "| $name | VTK pipeline | $1 | $2 | $(checks "$work/v_$input.stl") |"
    echo "| $name | ratio VTK / tracemesh | $(awk -v a="$1" -v b="$tw" 'BEGIN {printf "%.2fx", a / b}') | $(awk -v a="$2" -v b="$tr" 'BEGIN {printf "%.2fx", a / b}') | |"
done
