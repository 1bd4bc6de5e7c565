# SPDX-License-Identifier: BSD-3-Clause
# DICOM phantom -> bone label volume: same geometry as the source, counts as printed, recipe
# record on stdout, and the same bytes at 1, 2 and 7 threads.
"$PHANTOM" in --shape sphere --size 48x40x30 --spacing 0.8,0.9,1.5 --orient oblique --noise 20
"$TRACEMESH" -q volume in -o vol.nii.gz
"$TRACEMESH" -q segment in --preset bone --keep-largest --close 1.5 --fill-holes -j 1 \
    -o l1.nii.gz > out1.txt
"$TRACEMESH" -q segment in --preset bone --keep-largest --close 1.5 --fill-holes -j 2 \
    -o l2.nii.gz > out2.txt
"$TRACEMESH" -q segment vol.nii.gz --preset bone --keep-largest --close 1.5 --fill-holes -j 7 \
    -o l7.nii.gz > out7.txt
cmp l1.nii.gz l2.nii.gz
cmp l1.nii.gz l7.nii.gz
grep -qx 'recipe: {"format":"tracemesh.segment.recipe","ops":\[{"lower":226,"name":"bone","op":"preset","upper":32767},{"connectivity":26,"op":"keep-largest"},{"op":"close","radius_mm":1.5},{"op":"fill-holes"}\],"version":1}' out1.txt
/usr/bin/python3 - <<'PY'
import gzip, re, struct
def load(path):
    b = gzip.open(path).read()
    dim = struct.unpack_from("<8h", b, 40)
    dtype = struct.unpack_from("<h", b, 70)[0]
    off = int(struct.unpack_from("<f", b, 108)[0])
    srow = struct.unpack_from("<12f", b, 280)
    sform = struct.unpack_from("<h", b, 254)[0]
    return dim, dtype, srow, sform, b[off:]
vd, vt, vs, vc, _ = load("vol.nii.gz")
ld, lt, ls, lc, data = load("l1.nii.gz")
assert vd[:4] == ld[:4] == (3, 48, 40, 30), (vd, ld)
assert lt == 2, lt                       # NIFTI_TYPE_UINT8
assert vs == ls and lc == vc == 1, (vs, ls)   # the exact source geometry
n = sum(data)
assert set(data) <= {0, 1}
m = re.search(r"^label 1 bone: (\d+) voxels, ([0-9.]+) ml$", open("out1.txt").read(), re.M)
assert m and int(m.group(1)) == n, (m and m.group(0), n)
# a sphere of radius 12 mm... the phantom's sphere: volume within 5% of what the count says
vox = 0.8 * 0.9 * 1.5
assert abs(float(m.group(2)) - n * vox / 1000) < 0.001
PY
