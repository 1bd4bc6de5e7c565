#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Run every test of a build folder. Tests labelled 'real' need the larger series in
# ../shared/datasets: they run when that folder exists, and this script says so when it does not.
set -u
build=$1
shared=${2:-}
if [ -n "$shared" ] && [ -d "$shared" ]; then
    echo "tracemesh: real-series tests use $shared"
    exclude=""
else
    echo "tracemesh: ../shared/datasets not found: tests labelled 'real' are skipped"
    exclude="-LE real"
fi
cd "$build" || exit 1
# shellcheck disable=SC2086
ctest --output-on-failure -j 2 $exclude
