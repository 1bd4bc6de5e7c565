# SPDX-License-Identifier: BSD-3-Clause
# --side-by-side puts the scan slice with the outline of the meshed region right of the 3D view:
# the PNG grows by a square panel, the left-sided marker rod is on the viewer's right in the
# panel too (anterior view), the stored figure verifies and re-renders with a new version.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
px() { python3 "$SRC/tests/cli/cases/figure_png_pixels.py" "$@"; }
"$PHANTOM" in --shape marker --size 48x48x32 > /dev/null
"$TRACEMESH" -q init > /dev/null
"$TRACEMESH" -q publish marker --dicom in > /dev/null
"$TRACEMESH" -q render marker --side-by-side --size 200x150 --name fig-review -o fig.png \
    > /dev/null
set -- $(px fig.png green 200)
test "$1" -eq 350
test "$2" -gt 100
# the panel spans x 200..349, its centre 275: the rod on the patient's left pulls the outline right
awk -v m="$3" 'BEGIN { exit !(m > 280) }'
"$TRACEMESH" verify fig-review | grep -q '^  ok        render           byte-identical'
"$TRACEMESH" -q review marker@1 --approve --by "Dr A" > /dev/null
"$TRACEMESH" -q rerender --asset marker -o . | grep -Eq '^fig-review@2 [0-9a-f]{64}$'
set -- $(px fig-review@2.png green 200)
test "$1" -eq 350
"$TRACEMESH" render marker --side-by-side --style line -o fig.svg
