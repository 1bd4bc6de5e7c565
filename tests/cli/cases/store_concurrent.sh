# SPDX-License-Identifier: BSD-3-Clause
# Eight processes publish versions of one asset at the same moment: versions 1..8, no gap,
# no duplicate, every parent an existing version, fsck clean.
"$TRACEMESH" init > /dev/null
i=1
while [ $i -le 8 ]; do
    printf 'solid t\nfacet normal 0 0 1\nouter loop\nvertex %d 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid t\n' $((i + 1)) > t$i.stl
    i=$((i + 1))
done
i=1
while [ $i -le 8 ]; do
    "$TRACEMESH" publish many --from t$i.stl --note "writer $i" > out$i.txt 2> err$i.txt &
    i=$((i + 1))
done
wait
cat err*.txt >&2
cat out*.txt | cut -d' ' -f1 | sort > got.txt
printf 'many@1\nmany@2\nmany@3\nmany@4\nmany@5\nmany@6\nmany@7\nmany@8\n' > want.txt
cmp got.txt want.txt
"$TRACEMESH" log many --json > log.json
test "$(grep -o '"version":[0-9]*' log.json | tr '\n' ' ')" = '"version":1 "version":2 "version":3 "version":4 "version":5 "version":6 "version":7 "version":8 '
for p in $(grep -o '"parent":"many@[0-9]*"' log.json | sed 's/.*@\([0-9]*\)"/\1/'); do
    test "$p" -ge 1 && test "$p" -le 7
done
"$TRACEMESH" fsck > fsck.txt
grep -q '^[0-9]* objects checked, 0 problems, 0 unreferenced' fsck.txt
"$TRACEMESH" verify --all > all.txt
grep -q '^8 of 8 versions verified$' all.txt
