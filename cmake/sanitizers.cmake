# SPDX-License-Identifier: BSD-3-Clause
# TMESH_SANITIZE=ON builds every tracemesh target with ASan and UBSan (errors are fatal).
function(tmesh_target_sanitize target)
  if(TMESH_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined
      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
