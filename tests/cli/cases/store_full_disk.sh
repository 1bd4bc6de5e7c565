# SPDX-License-Identifier: BSD-3-Clause
# A full disk (a file-size limit, ulimit -f) while storing: a clear error naming the object,
# and the store as it was: same versions, fsck clean (at most harmless unreferenced objects,
# no temporary file).
"$PHANTOM" in --size 64x64x16 --noise 20 > /dev/null
"$TRACEMESH" init > /dev/null
printf 'solid t\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid t\n' > t.stl
"$TRACEMESH" publish skull --from t.stl > /dev/null
"$TRACEMESH" log skull --json > before.json
# So small that even the catalog's shared-memory file cannot grow.
if (ulimit -f 4; "$TRACEMESH" publish skull --dicom in) > /dev/null 2> tiny.err; then exit 1; fi
grep -q 'File too large' tiny.err
# Room for the catalog, not for the (noisy, poorly compressible) volume object.
if (ulimit -f 100; "$TRACEMESH" publish skull --dicom in) > /dev/null 2> vol.err; then exit 1; fi
grep -q 'objects/.*: write failed: File too large' vol.err
"$TRACEMESH" log skull --json > after.json
cmp before.json after.json
"$TRACEMESH" fsck > fsck.txt
grep -q ', 0 problems, .* 0 temporary files$' fsck.txt
test -z "$(find .tracemesh -name '*.tmp.*')"
"$TRACEMESH" show skull@1 > /dev/null
(ulimit -f 100; "$TRACEMESH" publish skull --dicom in)
