#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Segmentation timings: `tracemesh segment` on a full-size synthetic CT (512x512xNZ, 0.7 x 0.7 x
# 1.25 mm, noisy spheres from tmesh-phantom), running the typical bone recipe
#   --preset bone --keep-largest --close 2 --fill-holes
# at 1 and 2 threads, plus a few single operations. Prints a Markdown table of median wall time
# and peak memory over RUNS runs (default 3) and checks that every thread count wrote the same
# bytes. Usage: sh bench/seg_bench.sh [BUILD_DIR] (default build). Not part of the test run.
set -eu
build=${1:-build}
runs=${RUNS:-3}
nz=${NZ:-234}
case "$build" in /*) ;; *) build="$(pwd)/$build" ;; esac
tm="$build/cli/tracemesh"
ph="$build/datasets/tmesh-phantom"
work=${BENCH_WORK:-/tmp/tracemesh-seg-bench}
mkdir -p "$work"
cd "$work"
if [ ! -f "ct-$nz.nii.gz" ]; then
    rm -rf "ct-$nz"
    "$ph" "ct-$nz" --shape spheres --size "512x512x$nz" --spacing 0.7,0.7,1.25 --noise 20 \
        >/dev/null
    "$tm" -q volume "ct-$nz" -o "ct-$nz.nii.gz" >/dev/null
fi

# median of the runs: "wall_s rss_kb" lines on stdin
median() {
    sort -n | awk '{ w[NR] = $1; m[NR] = $2 }
        END { i = int((NR + 1) / 2); printf "%.2f s | %d MiB", w[i], m[i] / 1024 }'
}

run() { # name threads args...
    name=$1
    j=$2
    shift 2
    : >times.txt
    r=0
    while [ "$r" -lt "$runs" ]; do
        /usr/bin/time -f "%e %M" -a -o times.txt "$tm" -q segment "ct-$nz.nii.gz" "$@" -j "$j" \
            -o "out-$j.nii.gz" >/dev/null
        r=$((r + 1))
    done
    echo "| $name | $j | $(median <times.txt) |"
}

bone="--preset bone --keep-largest --close 2 --fill-holes"
echo "| operations on 512x512x$nz (with .nii.gz read and write) | threads | wall | peak RSS |"
echo "|---|---|---|---|"
# shellcheck disable=SC2086
run "preset bone, keep-largest, close 2, fill-holes" 1 $bone
# shellcheck disable=SC2086
run "preset bone, keep-largest, close 2, fill-holes" 2 $bone
cmp out-1.nii.gz out-2.nii.gz
run "preset bone only (I/O baseline)" 2 --preset bone
run "gaussian 1, threshold 200 3000" 2 --gaussian 1 --threshold 200 3000
run "median 1, threshold 200 3000" 2 --median 1 --threshold 200 3000
run "preset bone, dilate 10" 2 --preset bone --dilate 10
run "preset skin, label-components" 2 --preset skin --label-components
