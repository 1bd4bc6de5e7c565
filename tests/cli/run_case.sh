#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run one CLI test case in a fresh temporary folder: cases/NAME.sh prepares its inputs and runs
# the command under test last; cases/NAME.exit holds the expected exit code and
# cases/NAME.stderr a glob that the whole of stderr must match (newlines folded to spaces).
# Environment for the case: TRACEMESH, PHANTOM (binaries), SRC (source tree), SHARED.
set -u
name=$1
export TRACEMESH=$2 PHANTOM=$3 SRC=$4 SHARED=${5:-}
cases="$SRC/tests/cli/cases"
work=$(mktemp -d "${TMPDIR:-/tmp}/tmesh-cli-XXXXXX") || exit 1
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work" || exit 1
sh -eu "$cases/$name.sh" >stdout.txt 2>stderr.txt
rc=$?
want_rc=$(cat "$cases/$name.exit")
want_err=$(cat "$cases/$name.stderr")
got_err=$(tr '\n' ' ' <stderr.txt | sed 's/ *$//')
fail=0
if [ "$rc" != "$want_rc" ]; then
    echo "FAIL $name: exit code $rc, expected $want_rc"
    fail=1
fi
# shellcheck disable=SC2254
case "$got_err" in
    $want_err) ;;
    *) echo "FAIL $name: stderr does not match '$want_err'"; fail=1 ;;
esac
if [ $fail -ne 0 ]; then
    echo "--- stdout"; cat stdout.txt; echo "--- stderr"; cat stderr.txt
    exit 1
fi
echo "ok $name"
