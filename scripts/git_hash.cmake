# Writes OUT (a header defining jacstab::build_info::git_hash) from the git state of SRC,
# touching OUT only when the text changes. Run at every build by the jacstab_git_hash target.
execute_process(COMMAND git rev-parse --short=12 HEAD WORKING_DIRECTORY ${SRC}
  OUTPUT_VARIABLE hash OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT hash)
  set(hash "unknown")
else()
  # reports/ holds generated output (the main job rewrites it), so it does not make the source
  # tree dirty.
  execute_process(COMMAND git status --porcelain --untracked-files=no -- . ":(exclude)reports" WORKING_DIRECTORY ${SRC}
    OUTPUT_VARIABLE dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(dirty)
    set(hash "${hash}-dirty")
  endif()
endif()
# The last commit that touched the code behind the verdicts (lib/, validation/, CMakeLists.txt,
# less the calibration command's own files, which compute no verdict): calibration records are
# keyed by it, so commits that only regenerate reports or mend the calibration tool do not
# invalidate them.
set(verdict_code lib validation CMakeLists.txt ":(exclude)lib/src/calibration.cpp"
    ":(exclude)lib/include/jacstab/calibration.hpp" ":(exclude)lib/cli/cmd_calibrate.cpp")
execute_process(COMMAND git log -1 --format=%h --abbrev=12 -- ${verdict_code} WORKING_DIRECTORY ${SRC}
  OUTPUT_VARIABLE source_commit OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE src_rc)
if(NOT src_rc EQUAL 0 OR NOT source_commit)
  set(source_commit "unknown")
else()
  execute_process(COMMAND git status --porcelain --untracked-files=no -- ${verdict_code} WORKING_DIRECTORY ${SRC}
    OUTPUT_VARIABLE src_dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(src_dirty)
    set(source_commit "${source_commit}-dirty")
  endif()
endif()
set(text "#pragma once\n// Generated at build time by scripts/git_hash.cmake; do not edit.\nnamespace jacstab::build_info {\ninline constexpr const char* git_hash = \"${hash}\";\ninline constexpr const char* source_commit = \"${source_commit}\";\n}\n")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
else()
  set(old "")
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()
