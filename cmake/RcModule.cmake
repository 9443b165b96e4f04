# rc_module(NAME SRCS <files> [DEPS <modules>] [PUBLIC_LIBS <libs>] [PRIVATE_LIBS <libs>])
#   Creates library rc_<NAME> with alias regimecast::<NAME>. DEPS names other
#   Regimecast modules (linked PUBLIC, so their headers are visible); the libraries
#   a module uses only inside its .cc files go in PRIVATE_LIBS so that heavy
#   headers (Beast, XGBoost) never leak to the modules that include this one.
#
# rc_module_test(NAME SRCS <files> [LIBS <extra libs>])
#   One GoogleTest executable per module (rc_<NAME>_tests) linking only that module
#   (and through it its declared deps), so an undeclared upward dependency fails to
#   link here. Tests are registered with ctest as "<NAME>.<Suite>.<Case>", so
#   `ctest -R '^lake\.'` runs one module.
set(RC_SOURCE_ROOT ${CMAKE_SOURCE_DIR}/backend/src)

function(rc_module NAME)
  cmake_parse_arguments(ARG "" "" "SRCS;DEPS;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  if(NOT ARG_SRCS)
    message(STATUS "Module ${NAME}: no sources yet, skipped")
    return()
  endif()
  add_library(rc_${NAME} STATIC ${ARG_SRCS})
  add_library(regimecast::${NAME} ALIAS rc_${NAME})
  target_include_directories(rc_${NAME} PUBLIC ${RC_SOURCE_ROOT} ${CMAKE_BINARY_DIR}/generated)
  foreach(dep IN LISTS ARG_DEPS)
    target_link_libraries(rc_${NAME} PUBLIC regimecast::${dep})
  endforeach()
  target_link_libraries(rc_${NAME} PUBLIC ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
endfunction()

function(rc_module_test NAME)
  if(NOT RC_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SRCS;LIBS" ${ARGN})
  if(NOT ARG_SRCS OR NOT TARGET rc_${NAME})
    return()
  endif()
  add_executable(rc_${NAME}_tests ${ARG_SRCS})
  target_link_libraries(rc_${NAME}_tests PRIVATE regimecast::${NAME} ${ARG_LIBS}
                        GTest::gtest GTest::gmock GTest::gtest_main)
  target_compile_definitions(rc_${NAME}_tests PRIVATE
      RC_TEST_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
      RC_SHARED_DATA_DIR="${CMAKE_SOURCE_DIR}/../shared/data")
  # PRE_TEST discovery: listing tests at ctest time keeps the build fast on two cores.
  gtest_discover_tests(rc_${NAME}_tests TEST_PREFIX "${NAME}." DISCOVERY_MODE PRE_TEST
                       PROPERTIES LABELS "${NAME}")
endfunction()
