# SPDX-License-Identifier: BSD-3-Clause
# Compiler flags of every tracemesh target, set per target (never through CMAKE_C_FLAGS).
# -ffp-contract=off keeps floating point identical across builds (no fused multiply-add).
function(tmesh_target_flags target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:C>:-Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter>
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>
    -ffp-contract=off -fno-fast-math
    # optimised builds vectorise the voxel loops; IEEE semantics stay (no fast-math, no FMA)
    $<$<OR:$<CONFIG:Release>,$<CONFIG:RelWithDebInfo>>:-O3>)
  if(TMESH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  tmesh_target_sanitize(${target})
endfunction()
