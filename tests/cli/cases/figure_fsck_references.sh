# SPDX-License-Identifier: BSD-3-Clause
# fsck checks the references of figure versions: a catalog edited behind tracemesh's back (its
# immutability triggers dropped, the image's object row and the shown asset version deleted)
# is reported naming the figure version, and fsck exits non-zero.
# Mesa's software GL driver and fontconfig leak at exit under LeakSanitizer
# (see render_line_svg_pdf): leak checking is off for these processes.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" -q init > /dev/null
"$TRACEMESH" -q publish skull --dicom in > /dev/null
"$TRACEMESH" -q render skull --size 64x64 --name front -o f.png > /dev/null
"$TRACEMESH" fsck > clean.txt
grep -q ', 0 problems,' clean.txt
python3 - <<'PY'
import sqlite3
db = sqlite3.connect(".tracemesh/catalog.db")
for t in ("objects_ro_d", "versions_ro_d"):
    db.execute("DROP TRIGGER " + t)
img = db.execute("SELECT image FROM figure_versions WHERE figure = 'front'").fetchone()[0]
db.execute("DELETE FROM objects WHERE hash = ?", (img,))
db.execute("DELETE FROM versions WHERE asset = 'skull'")
db.commit()
PY
if "$TRACEMESH" fsck > bad.txt 2> bad.err; then exit 1; fi
grep -q 'problems found (nothing was changed)' bad.err
grep -q '^problem: figure front@1: its image is not a figure object$' bad.txt
grep -q '^problem: figure front@1: shows skull@1, which does not exist with the mesh recorded$' bad.txt
