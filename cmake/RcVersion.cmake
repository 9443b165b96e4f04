# The build's version comes from the newest vMAJOR.MINOR.PATCH git tag and the
# commit (runbook §6). It is recomputed on every build (not only at configure
# time) but the generated file is rewritten only when it changes, so a commit
# does not trigger a rebuild of anything but one tiny file.
set(RC_GENERATED_DIR ${CMAKE_BINARY_DIR}/generated)
file(MAKE_DIRECTORY ${RC_GENERATED_DIR}/core)
add_custom_target(rc_build_version ALL
  COMMAND ${CMAKE_COMMAND}
          -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
          -DFALLBACK_VERSION=${PROJECT_VERSION}
          -DOUTPUT=${RC_GENERATED_DIR}/core/build_version.cc
          -P ${CMAKE_SOURCE_DIR}/cmake/WriteBuildVersion.cmake
  BYPRODUCTS ${RC_GENERATED_DIR}/core/build_version.cc
  COMMENT "Stamping build version")
