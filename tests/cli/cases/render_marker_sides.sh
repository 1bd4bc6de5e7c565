# SPDX-License-Identifier: BSD-3-Clause
# End to end through the CLI: the box on the patient's left (+L) is on the viewer's right in
# the anterior and inferior views and on the left in the posterior and superior views (SVG).
# Under TMESH_SANITIZE, Mesa's software GL driver leaks blocks that LeakSanitizer reports as
# "<unknown module>" after the driver is unloaded, so leak checking is off for this process;
# test_render checks the render code for leaks (driver pinned, only fontconfig suppressed).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
# box NAME X0 Y0 Z0 X1 Y1 Z1: an axis-aligned box (LPS mm) as ASCII STL, outward-facing
box() {
    awk -v n="$1" -v x0="$2" -v y0="$3" -v z0="$4" -v x1="$5" -v y1="$6" -v z1="$7" 'BEGIN {
        for (i = 0; i < 8; i++) {
            X[i] = (i % 2) ? x1 : x0; Y[i] = (int(i / 2) % 2) ? y1 : y0
            Z[i] = (int(i / 4) % 2) ? z1 : z0
        }
        split("0 2 3 0 3 1 4 5 7 4 7 6 0 1 5 0 5 4 2 6 7 2 7 3 0 4 6 0 6 2 1 3 7 1 7 5", T, " ")
        print "solid " n
        for (t = 0; t < 12; t++) {
            print "facet normal 0 0 0"; print "outer loop"
            for (k = 1; k <= 3; k++) { v = T[3 * t + k]; print "vertex " X[v] " " Y[v] " " Z[v] }
            print "endloop"; print "endfacet"
        }
        print "endsolid " n
    }' > "$1.stl"
}
# mean x (SVG points) of the fill path of one colour
meanx() {
    awk -v col="$1" 'index($0, "fill:" col ";") && match($0, / d="[^"]*"/) {
        d = substr($0, RSTART + 4, RLENGTH - 5); n = split(d, t, " "); k = 0
        for (i = 1; i <= n; i++)
            if (t[i] ~ /^-?[0-9.]+$/) { if (k % 2 == 0) { s += t[i]; c++ } k++ }
    } END { if (c == 0) { print "none"; exit 1 } printf "%.3f\n", s / c }' "$2"
}
box body -10 -10 -10 10 10 10
box left 14 -4 -4 22 4 4
for v in anterior posterior superior inferior; do
    "$TRACEMESH" -q render body.stl left.stl --style line --view "$v" --size 300x300 \
        --color "#cccccc" --color "#cc3333" -o "$v.svg"
    g=$(meanx "rgb(80%,80%,80%)" "$v.svg")
    r=$(meanx "rgb(80%,20%,20%)" "$v.svg")
    case $v in
        anterior | inferior) want=right ;;
        *) want=left ;;
    esac
    got=$(awk -v r="$r" -v g="$g" 'BEGIN { print (r > g) ? "right" : "left" }')
    if [ "$got" != "$want" ]; then
        echo "$v view: the left-sided box is on the viewer's $got (want $want)" >&2
        exit 7
    fi
done
