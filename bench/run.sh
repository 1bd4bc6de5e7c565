#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# make bench: load benchmarks of `tracemesh info` against dcm2niix and VTK's DICOM reader on a
# 512x512x400 phantom and on the Visible Human head (../shared/datasets, or the 3 mm subset in
# datasets/ when ../shared is absent). Prints a Markdown table of median wall time and peak
# memory over RUNS runs (default 5); copy it into bench/RESULTS.md with the machine facts.
# Not part of the test run.
set -eu
build=${1:-build}
runs=${RUNS:-5}
tm="$(pwd)/$build/cli/tracemesh"
ph="$(pwd)/$build/datasets/tmesh-phantom"
work=${BENCH_WORK:-/tmp/tracemesh-bench}
mkdir -p "$work"

need=""
command -v dcm2niix >/dev/null || need="$need dcm2niix"
/usr/bin/python3 -c "import vtk" 2>/dev/null || need="$need python3-vtk9"
[ -x /usr/bin/time ] || need="$need time"
if [ -n "$need" ]; then
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $need >/dev/null
    else
        echo "bench: missing Debian packages:$need" >&2
        exit 1
    fi
fi

if [ ! -d "$work/phantom-512x512x400" ]; then
    "$ph" "$work/phantom-512x512x400" --shape shell --size 512x512x400 --spacing 0.7,0.7,1.0 \
        --noise 10
fi
vhf_src=../shared/datasets/ct-head-visible-human-female/dicom
[ -d "$vhf_src" ] || vhf_src=datasets/vhf-head-3mm/dicom
vhf="$work/vhf-plain"
if [ ! -d "$vhf" ]; then
    # dcm2niix and VTK read no gzip-wrapped DICOM: every tool gets the same plain files
    mkdir -p "$vhf"
    for f in "$vhf_src"/*.gz; do gzip -dc "$f" > "$vhf/$(basename "$f" .gz)"; done
fi

# median of RUNS measurements of wall seconds and peak KB: "sec kb"
measure() {
    i=0
    : > "$work/m.txt"
    while [ $i -lt "$runs" ]; do
        /usr/bin/time -f "%e %M" -o "$work/t.txt" "$@" >/dev/null 2>&1 || true
        cat "$work/t.txt" >> "$work/m.txt"
        i=$((i + 1))
    done
    sort -n "$work/m.txt" | awk '{ t[NR] = $1; m[NR] = $2 } END { printf "%.2f %.0f", t[int((NR + 1) / 2)], m[int((NR + 1) / 2)] }'
}

echo "| data | tool | median wall s | peak MB |"
echo "|---|---|---|---|"
for data in "$work/phantom-512x512x400" "$vhf"; do
    name=$(basename "$data")
    rm -rf "$work/d2n" && mkdir -p "$work/d2n"
    r=$(measure "$tm" -q info "$data"); echo "| $name | tracemesh info (2 threads) | ${r% *} | $(( ${r#* } / 1024 )) |"
    r=$(measure "$tm" -q info -j 1 "$data"); echo "| $name | tracemesh info -j 1 | ${r% *} | $(( ${r#* } / 1024 )) |"
    r=$(measure dcm2niix -z n -b n -o "$work/d2n" -f out "$data"); echo "| $name | dcm2niix -z n -b n | ${r% *} | $(( ${r#* } / 1024 )) |"
    r=$(measure /usr/bin/python3 bench/vtk_dicom_read.py "$data"); echo "| $name | VTK vtkDICOMImageReader | ${r% *} | $(( ${r#* } / 1024 )) |"
done
