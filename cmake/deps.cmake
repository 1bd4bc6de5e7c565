# SPDX-License-Identifier: BSD-3-Clause
# Every third-party dependency, found as Debian 12 packages install it (tools/install-deps.sh installs
# them). Each becomes an imported target so modules link only what they use.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
pkg_check_modules(NETTLE REQUIRED IMPORTED_TARGET nettle)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(OPENJP2 REQUIRED IMPORTED_TARGET libopenjp2)
find_package(DCMTK REQUIRED CONFIG)

# nifti_clib: Debian 12's NIFTIConfig.cmake names /usr/lib/libznz.so.3.0.0 and the nifti-bin
# tools, which are not where the package installs them, so find_package(NIFTI) fails there.
# The header and libraries are found directly instead.
find_path(NIFTI_INCLUDE_DIR nifti1_io.h PATH_SUFFIXES nifti REQUIRED)
find_library(NIFTI_IO_LIBRARY niftiio REQUIRED)
find_library(NIFTI_ZNZ_LIBRARY znz REQUIRED)
add_library(tmesh_dep_nifti INTERFACE)
target_include_directories(tmesh_dep_nifti INTERFACE ${NIFTI_INCLUDE_DIR})
target_link_libraries(tmesh_dep_nifti INTERFACE ${NIFTI_IO_LIBRARY} ${NIFTI_ZNZ_LIBRARY}
  ZLIB::ZLIB m)

if(TMESH_BUILD_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()
