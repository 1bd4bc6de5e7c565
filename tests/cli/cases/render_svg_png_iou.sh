# SPDX-License-Identifier: BSD-3-Clause
# Issue 8: the SVG line art, rasterised with rsvg-convert at the PNG's pixel size, covers the
# silhouette of the PNG render of the same scene with an intersection-over-union >= 0.95,
# for a torus and the marker phantom, in the anterior view and an oblique one. Checked twice:
# the whole SVG (fill and lines) and its fill alone (the stroked paths removed), since the
# 1 pt silhouette stroke is centred on the outline and lies half outside it. An SVG of
# another view must score well below, so the comparison can fail.
# Under TMESH_SANITIZE, Mesa's software GL driver leaks blocks that LeakSanitizer reports as
# "<unknown module>" after the driver is unloaded, so leak checking is off for this process;
# test_render checks the render code for leaks (driver pinned, only fontconfig suppressed).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
W=800 H=600
iou() { /usr/bin/python3 "$SRC/tests/cli/cases/render_iou.py" "$@"; }
# render MESH OUT [options]: only the mesh, no title, scale bar or orientation letters
render() {
    m=$1 out=$2
    shift 2
    "$TRACEMESH" -q render "$m.stl" --size "${W}x$H" --no-scale-bar --no-orientation "$@" \
        -o "$out"
}
"$PHANTOM" torus --shape torus
"$PHANTOM" marker --shape marker
"$TRACEMESH" -q build torus -o torus.stl
"$TRACEMESH" -q build marker -o marker.stl
for m in torus marker; do
    case $m in torus) style=clinical ;; *) style=shaded ;; esac
    for v in anterior oblique; do
        case $v in
            anterior) set -- --view anterior ;;
            *) set -- --azimuth 35 --elevation 25 ;;
        esac
        render "$m" "$m-$v.png" --style "$style" "$@"
        render "$m" "$m-$v.svg" --style line "$@"
        rsvg-convert -w "$W" -h "$H" "$m-$v.svg" -o "$m-$v.svg.png"
        iou "$m $v svg" "$m-$v.png" "$m-$v.svg.png" --min 0.95
        # the fill alone: drop the stroked (fill:none) line paths; keep the even-odd fill
        grep -v 'fill:none' "$m-$v.svg" > "$m-$v.fill.svg"
        grep -q 'fill-rule:evenodd' "$m-$v.fill.svg"
        if grep -q '<path[^>]*stroke-width' "$m-$v.fill.svg"; then exit 8; fi
        rsvg-convert -w "$W" -h "$H" "$m-$v.fill.svg" -o "$m-$v.fill.png"
        iou "$m $v svg fill" "$m-$v.png" "$m-$v.fill.png" --min 0.95
    done
done
# negative: the oblique SVG against the anterior PNG
iou "marker anterior png vs oblique svg" marker-anterior.png marker-oblique.svg.png --below 0.9
