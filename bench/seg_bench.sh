#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Segmentation benchmark against scipy.ndimage: the bone chain
#   tracemesh segment SRC --preset bone --keep-largest --close 2 --fill-holes -o out.nii.gz
# and the same steps written the scipy way (bench/seg_scipy.py: label + bincount, binary
# dilation/erosion with an anisotropic 2 mm ball, binary_fill_holes), both loading the same
# NIfTI (from `tracemesh volume`) and writing a .nii.gz. Inputs: the Visible Human head
# (../shared/datasets, else the 3 mm subset in datasets/) and a 512x512xNZ synthetic CT (noisy
# spheres from tmesh-phantom, 0.7 x 0.7 x 1.25 mm, NZ default 400).
# Prints a Markdown table: median wall time and peak RSS over RUNS runs (default 3) of the whole
# process at 1 and 2 threads (scipy.ndimage has no thread option: one thread), the median wall
# time of the four steps alone, timed in-process after loading (scipy: bench/seg_scipy.py;
# tracemesh: a small C timer built here against build/segment and build/core, running the same
# recipe through tmesh_seg_recipe_run), the voxel counts, and how many voxels of the two masks
# differ. Checks that 1 and 2 threads wrote the same bytes.
# Usage: sh bench/seg_bench.sh [BUILD_DIR] (default build), from the source tree. Not part of
# the test run.
set -eu
build=${1:-build}
runs=${RUNS:-3}
nz=${NZ:-400}
src=$(pwd)
case "$build" in /*) ;; *) build="$src/$build" ;; esac
tm="$build/cli/tracemesh"
ph="$build/datasets/tmesh-phantom"
py=/usr/bin/python3
scipy_chain="$src/bench/seg_scipy.py"
work=${BENCH_WORK:-/tmp/tracemesh-seg-bench}
mkdir -p "$work"
vhf_src=$src/../shared/datasets/ct-head-visible-human-female/dicom
vhf_name="Visible Human head 512x512x234"
if [ ! -d "$vhf_src" ]; then
    vhf_src=$src/datasets/vhf-head-3mm/dicom
    vhf_name="Visible Human head, 3 mm subset 512x512x78"
fi
cd "$work"
# the in-process timer: reads the NIfTI, then times each operation of the recipe (the progress
# callback is called before each operation) with CLOCK_MONOTONIC
cat >seg_steps.c <<'EOF_C'
#define _POSIX_C_SOURCE 200809L
#include <tracemesh/segment.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
static double marks[64];
static int n_marks;
static void mark(const char *stage, double fraction, void *user)
{
    (void)stage, (void)fraction, (void)user;
    if (n_marks < 64)
        marks[n_marks++] = now();
}
int main(int argc, char **argv)
{
    tmesh_error e = TMESH_ERROR_INIT;
    tmesh_volume *img = NULL, *lab = NULL;
    tmesh_seg_recipe *r = NULL;
    if (tmesh_volume_read_nifti(&img, argv[1], &e) || tmesh_seg_recipe_new(&r, &e) ||
        tmesh_seg_recipe_parse_args(r, (size_t)(argc - 3), (const char *const *)argv + 3, "args",
                                    &e)) {
        fprintf(stderr, "seg_steps: %s\n", e.msg);
        return 1;
    }
    tmesh_seg_run_opts o = TMESH_SEG_RUN_OPTS_INIT;
    o.threads = (unsigned)atoi(argv[2]);
    o.progress = mark;
    if (tmesh_seg_recipe_run(&lab, NULL, img, r, &o, &e)) {
        fprintf(stderr, "seg_steps: %s\n", e.msg);
        return 1;
    }
    for (int i = 0; i + 1 < n_marks; i++)
        printf("op%d=%.3f ", i + 1, marks[i + 1] - marks[i]);
    printf("steps=%.3f\n", marks[n_marks - 1] - marks[0]);
    tmesh_volume_free(lab);
    tmesh_volume_free(img);
    tmesh_seg_recipe_free(r);
    return 0;
}
EOF_C
cc -O2 -std=c11 -I"$src/include" seg_steps.c "$build/segment/libtmesh_seg.a" \
    "$build/core/libtmesh_core.a" -lniftiio -lznz -lz -lpthread -lm -o seg_steps
[ -f vhf.nii.gz ] || "$tm" -q volume "$vhf_src" -o vhf.nii.gz >/dev/null
if [ ! -f "ct-$nz.nii.gz" ]; then
    rm -rf "ct-$nz"
    "$ph" "ct-$nz" --shape spheres --size "512x512x$nz" --spacing 0.7,0.7,1.25 --noise 20 \
        >/dev/null
    "$tm" -q volume "ct-$nz" -o "ct-$nz.nii.gz" >/dev/null
    rm -rf "ct-$nz"
fi

# median of each column of the lines of numbers on stdin
median() {
    awk '{ for (c = 1; c <= NF; c++) v[c, NR] = $c; nf = NF }
        END {
            for (c = 1; c <= nf; c++) {
                for (i = 1; i <= NR; i++) s[i] = v[c, i]
                for (i = 2; i <= NR; i++)
                    for (k = i; k > 1 && s[k - 1] + 0 > s[k] + 0; k--) {
                        t = s[k]; s[k] = s[k - 1]; s[k - 1] = t
                    }
                printf "%s%s", s[int((NR + 1) / 2)], c < nf ? " " : "\n"
            }
        }'
}

# steps IN THREADS ARGS...: median in-process time of the recipe's operations
steps() {
    in=$1
    j=$2
    shift 2
    r=0
    while [ "$r" -lt "$runs" ]; do
        ./seg_steps "$in" "$j" "$@" | sed -n 's/.*steps=\([0-9.]*\).*/\1/p'
        r=$((r + 1))
    done | median
}

# tm_runs IN THREADS OUT ARGS...: median "wall rss cpu" over the runs; stdout of the last run kept
tm_runs() {
    in=$1
    j=$2
    out=$3
    shift 3
    : >times.txt
    r=0
    while [ "$r" -lt "$runs" ]; do
        /usr/bin/time -f "%e %M %U %S" -o time.txt "$tm" -q segment "$in" "$@" -j "$j" \
            -o "$out" >tm-stdout.txt
        awk '{ print $1, $2, $3 + $4 }' time.txt >>times.txt
        r=$((r + 1))
    done
    median <times.txt
}

bone="--preset bone --keep-largest --close 2 --fill-holes"
rows=""
checks=""
for data in vhf "ct-$nz"; do
    if [ "$data" = vhf ]; then name=$vhf_name; else name="synthetic CT 512x512x$nz"; fi
    in="$data.nii.gz"
    # shellcheck disable=SC2086
    t1=$(tm_runs "$in" 1 "tm-$data-1.nii.gz" $bone)
    # shellcheck disable=SC2086
    t2=$(tm_runs "$in" 2 "tm-$data-2.nii.gz" $bone)
    vox_tm=$(sed -n 's/^label 1 [^:]*: \([0-9]*\) voxels.*/\1/p' tm-stdout.txt)
    cmp "tm-$data-1.nii.gz" "tm-$data-2.nii.gz"
    # shellcheck disable=SC2086
    s1=$(steps "$in" 1 $bone)
    # shellcheck disable=SC2086
    s2=$(steps "$in" 2 $bone)
    : >py-times.txt
    r=0
    while [ "$r" -lt "$runs" ]; do
        /usr/bin/time -f "%e %M" -o py-time.txt "$py" "$scipy_chain" "$in" \
            -o "py-$data.nii.gz" >py-stdout.txt 2>/dev/null
        post=$(sed -n 's/.* steps=\([0-9.]*\) .*/\1/p' py-stdout.txt)
        echo "$(cat py-time.txt) $post" >>py-times.txt
        r=$((r + 1))
    done
    p=$(median <py-times.txt)
    vox_py=$(sed -n 's/^voxels=\([0-9]*\) .*/\1/p' py-stdout.txt)
    diff=$("$py" "$scipy_chain" "$in" --compare "tm-$data-1.nii.gz" 2>/dev/null |
        sed -n 's/^differing=//p')
    rows="$rows$(echo "$t1 $s1 $t2 $s2 $p" | awk -v n="$name" -v vt="$vox_tm" -v vp="$vox_py" '{
        # $1-3 chain j1 (wall rss cpu), $4 its steps; $5-7 chain j2, $8 its steps;
        # $9 $10 $11 scipy (wall rss steps)
        printf "| %s | tracemesh | 1 | %.2f s | %.3f s | %d MiB | %s |\n", n, $1, $4, $2 / 1024, vt
        printf "| %s | tracemesh | 2 | %.2f s | %.3f s | %d MiB | %s |\n", n, $5, $8, $6 / 1024, vt
        printf "| %s | scipy.ndimage | 1 | %.2f s | %.2f s | %d MiB | %s |\n", n, $9, $11,
            $10 / 1024, vp
        printf "| %s | scipy / tracemesh at 2 threads | | %.1fx | %.0fx | | |\n", n, $9 / $5,
            $11 / ($8 > 0.001 ? $8 : 0.001)
    }')
"
    checks="$checks- $name: tracemesh $vox_tm voxels, scipy $vox_py voxels, $diff voxels differ;\
 1 and 2 threads wrote identical bytes
"
done
echo "| data | implementation | threads | whole process (wall) | the 4 steps in-process (wall) \
| peak RSS | voxels |"
echo "|---|---|---|---|---|---|---|"
printf "%s" "$rows"
echo
printf "%s" "$checks"
