# SPDX-License-Identifier: BSD-3-Clause
# A stored figure of an asset carries its provenance where exiftool reads it: the figure id,
# the asset version, its mesh hash, the mesh's derivation and the renderer fingerprint, as XMP
# in the PNG (iTXt XML:com.adobe.xmp), in the SVG's <metadata> and in the PDF.
# Leak checking is off for this process: see render_png_ok.sh (Mesa's driver).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" -q init > /dev/null
"$TRACEMESH" -q publish skull --dicom in > pub.txt
mesh=$(cut -d' ' -f2 pub.txt)
deriv=$("$TRACEMESH" show skull@1 | sed -n 's/^made by .*(derivation \([0-9a-f]*\),.*/\1/p')
test ${#mesh} -eq 64
test ${#deriv} -eq 64
"$TRACEMESH" -q render skull --size 160x160 --name fig-front -o fig.png > out.txt
grep -Eq '^fig-front@1 [0-9a-f]{64}$' out.txt
"$TRACEMESH" -q render skull@1 --style line --size 160x160 --name fig-line -o fig.svg > /dev/null
"$TRACEMESH" -q render skull --style line --size 160x160 --name fig-print -o fig.pdf > /dev/null
# has FILE GROUP TAG VALUE: exiftool reports that tag with exactly that value
has() {
    exiftool -a -s -G1 "$1" > tags.txt
    if ! grep -Fxq "[$2] $(printf '%-31s' "$3"): $4" tags.txt &&
        ! grep -Eq "^\[$2\] +$3 +: $4\$" tags.txt; then
        echo "$1: no $2:$3 = $4" >&2
        exit 9
    fi
}
has fig.png XMP-tmesh Figure_id fig-front@1
has fig.png XMP-tmesh Assets skull@1
has fig.png XMP-tmesh Mesh_1 "skull@1 mesh $mesh"
has fig.png XMP-tmesh Derivation_1 "skull@1 derivation $deriv"
has fig.png XMP-tmesh Renderer_vtk '9\.[0-9.]+'
has fig.png XMP-tmesh Renderer_gl_renderer '.+'
has fig.png PNG Figure_id fig-front@1
has fig.svg XMP-tmesh SvgMetadataFigure_id fig-line@1
has fig.svg XMP-tmesh SvgMetadataMesh_1 "skull@1 mesh $mesh"
has fig.svg XMP-tmesh SvgMetadataDerivation_1 "skull@1 derivation $deriv"
has fig.svg XMP-tmesh SvgMetadataRenderer_gl_version '.+'
has fig.pdf XMP-tmesh Figure_id fig-print@1
has fig.pdf XMP-tmesh Mesh_1 "skull@1 mesh $mesh"
has fig.pdf XMP-tmesh Derivation_1 "skull@1 derivation $deriv"
has fig.pdf XMP-tmesh Renderer_gl_vendor '.+'
exiftool -s -s -s -PDF:Keywords fig.pdf | grep -q "figure_id=fig-print@1; .*mesh_1=skull@1 mesh $mesh"
