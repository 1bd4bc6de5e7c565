#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# House rule: the library and CLI are C11; C++ only in dicom/dcmtk_bridge.cpp and
# render/vtk_bridge.cpp (tests and benchmarks may hold C++ cross-checks).
src=$1
bad=$(cd "$src" && find . \( -path ./tests -o -path ./bench -o -path './build*' -o -path ./.git \) \
      -prune -o \( -name '*.cpp' -o -name '*.cc' -o -name '*.cxx' -o -name '*.hpp' \) -print |
      grep -v -e '^./dicom/dcmtk_bridge.cpp$' -e '^./render/vtk_bridge.cpp$')
if [ -n "$bad" ]; then
    echo "C++ outside the two bridge files:"
    echo "$bad"
    exit 1
fi
echo "only the bridge files are C++"
