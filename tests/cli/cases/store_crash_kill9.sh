# SPDX-License-Identifier: BSD-3-Clause
# Crash safety: storing processes are killed with SIGKILL at least 100 times, at moments spread
# over each command's storing work (imports of small meshes and, every fifth time, a whole DICOM
# build), two killers at once on the same asset. Afterwards fsck finds no problem (every object
# re-hashed, every version's mesh and derivation present), versions are numbered without gaps,
# and the first and last versions still trace and verify.
"$PHANTOM" in --size 32x32x16 > /dev/null
"$TRACEMESH" init > /dev/null
# Calibrate in milliseconds: start-up alone (--version) and a whole publish of each kind, so the
# kills land across the storing work whatever the machine's speed.
ms_now() { date +%s%N | cut -c1-13; }
stl() {
    printf 'solid t\nfacet normal 0 0 1\nouter loop\nvertex %d 0 0\nvertex 1 0 0\nvertex 0 %d 0\nendloop\nendfacet\nendsolid t\n' "$2" "$3" > "$1"
}
t0=$(ms_now); "$TRACEMESH" --version > /dev/null; t1=$(ms_now)
stl m.stl 0 9
"$TRACEMESH" -q publish crash --from m.stl > /dev/null; t2=$(ms_now)
"$TRACEMESH" -q publish crash --dicom in --smooth 60 > /dev/null; t3=$(ms_now)
start=$(( (t1 - t0) * 9 / 10 ))
span_from=$(( (t2 - t1) * 108 / 100 - start + 1 ))
span_dicom=$(( (t3 - t2) * 108 / 100 - start + 1 ))
[ $span_from -gt 0 ] || span_from=1
[ $span_dicom -gt 0 ] || span_dicom=1

# killer TAG KILLS: publish and kill until KILLS processes died by SIGKILL (at most 8x tries).
# A publish that completed before its kill means the machine got faster than the calibration
# (other load went away): the delays shrink to 2/3 each time, so the kills keep landing.
killer() {
    kills=0 done_ok=0 i=0 scale=100
    while [ $kills -lt "$2" ] && [ $i -lt $(($2 * 8)) ]; do
        stl "m$1.stl" $((i + 2)) $((i % 7 + 1))
        if [ $((i % 5)) -eq 4 ]; then
            "$TRACEMESH" -q publish crash --dicom in --smooth $((i % 50 + 1)) > /dev/null 2>&1 &
            ms=$(( start + (i * 37) % span_dicom ))
        else
            "$TRACEMESH" -q publish crash --from "m$1.stl" > /dev/null 2>&1 &
            ms=$(( start + (i * 37) % span_from ))
        fi
        pid=$!
        ms=$((ms * scale / 100))
        sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"
        kill -9 $pid 2> /dev/null || true
        rc=0
        wait $pid || rc=$?
        if [ $rc -eq 137 ]; then
            kills=$((kills + 1))
        elif [ $rc -eq 0 ]; then
            done_ok=$((done_ok + 1))
            scale=$((scale * 2 / 3))
            [ $scale -ge 5 ] || scale=5
        else
            echo "publish failed with exit code $rc" > "failed$1.txt"
            break
        fi
        i=$((i + 1))
    done 2> "shell$1.err" # the shell reports each killed job ("Killed") here
    echo "$kills $done_ok $i" > "count$1.txt"
}
killer a 50 &
killer b 50 &
wait
if [ -e faileda.txt ] || [ -e failedb.txt ]; then cat failed*.txt >&2; exit 1; fi
if grep -h -v '^Killed$' shella.err shellb.err >&2; then exit 1; fi
read ka da ia < counta.txt
read kb db ib < countb.txt
echo "$((ka + kb)) processes killed, $((da + db)) completed, $((ia + ib)) started; start-up" \
    "$((t1 - t0)) ms, import $((t2 - t1)) ms, build $((t3 - t2)) ms" > summary.txt
test $((ka + kb)) -ge 100
"$TRACEMESH" fsck > fsck.txt
grep -q ', 0 problems,' fsck.txt
"$TRACEMESH" log crash --json > log.json
n=$(grep -o '"version":[0-9]*' log.json | wc -l)
# A process killed after its commit has published too, so there may be more versions.
test "$n" -ge $((da + db + 2))
test "$(grep -o '"version":[0-9]*' log.json | cut -d: -f2 | tr '\n' ' ')" = "$(seq -s ' ' 1 "$n") "
echo "$n versions" >> summary.txt
"$TRACEMESH" trace crash@1 > /dev/null
"$TRACEMESH" verify crash@1 > /dev/null
"$TRACEMESH" verify crash > /dev/null
