# Included by backend/src/lake/CMakeLists.txt. Generates the Thrift (compact
# protocol) metadata classes from parquet.thrift at build time. The generated
# headers live in the build tree and are visible only to rc_lake's own sources:
# nothing outside lake/parquet/*.cc may include them (parquet.h does not).
set(RC_PARQUET_THRIFT_IDL ${CMAKE_CURRENT_LIST_DIR}/parquet.thrift)
set(RC_PARQUET_THRIFT_OUT ${CMAKE_BINARY_DIR}/generated/lake/parquet/thrift)
file(MAKE_DIRECTORY ${RC_PARQUET_THRIFT_OUT})
add_custom_command(
  OUTPUT ${RC_PARQUET_THRIFT_OUT}/parquet_types.cpp ${RC_PARQUET_THRIFT_OUT}/parquet_types.h
  COMMAND ${THRIFT_COMPILER} --gen cpp:no_skeleton -out ${RC_PARQUET_THRIFT_OUT} ${RC_PARQUET_THRIFT_IDL}
  DEPENDS ${RC_PARQUET_THRIFT_IDL}
  COMMENT "Generating Parquet Thrift metadata code"
  VERBATIM)
set(RC_LAKE_GENERATED_SOURCES ${RC_PARQUET_THRIFT_OUT}/parquet_types.cpp)
set_source_files_properties(${RC_PARQUET_THRIFT_OUT}/parquet_types.cpp PROPERTIES
  GENERATED TRUE
  # Generated code is not ours to keep warning-clean.
  COMPILE_OPTIONS "-Wno-pedantic;-Wno-unused-parameter;-Wno-extra")

function(rc_lake_after_module)
  target_include_directories(rc_lake PRIVATE ${RC_PARQUET_THRIFT_OUT})
endfunction()
