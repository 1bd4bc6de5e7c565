# SPDX-License-Identifier: BSD-3-Clause
# A physical size that needs too many pixels names the parameter and where it came from.
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
box body -10 -10 -10 10 10 10
"$TRACEMESH" render body.stl --dpi 3000 --width-mm 1000 -o fig.png
