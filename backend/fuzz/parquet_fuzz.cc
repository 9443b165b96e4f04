// libFuzzer target for the Parquet footer and page reader (flat and nested
// columns): any input must yield either an error or a batch that satisfies
// the ColumnBatch contract (or one record per row for nested columns),
// without crashing, hanging or allocating far beyond the input size.
//
//   scripts/run-fuzzers                 (builds build/fuzz and runs every target)
//   build/fuzz/bin/rc_parquet_fuzz corpus/ -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string>

#include "lake/parquet/internal/nested.h"
#include "lake/parquet/parquet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto reader =
      rc::lake::parquet::Reader::OpenBuffer(std::string(reinterpret_cast<const char*>(data), size));
  if (!reader) return 0;
  auto batch = reader->Read();
  if (batch && !batch->Validate()) __builtin_trap();  // the reader produced an inconsistent batch
  // Exercise projection and row-group skipping on the first column too.
  const auto& fields = reader->info().schema.fields;
  if (!fields.empty()) {
    rc::lake::parquet::ReadOptions options;
    options.columns = {fields[0].name};
    if (fields[0].type == rc::lake::ColumnType::kTimestampMicros || fields[0].type == rc::lake::ColumnType::kInt64) {
      options.time_range = rc::lake::parquet::ReadOptions::Range{fields[0].name, 0, 1'000'000};
    }
    auto projected = reader->Read(options);
    if (projected && !projected->Validate()) __builtin_trap();
  }
  // Nested columns (Delta checkpoints): assembled records, or an error.
  const auto& nested = reader->info().nested_columns;
  if (!nested.empty()) {
    auto records = rc::lake::parquet::internal::ReadNested(*reader, nested);
    if (records && records->size() != static_cast<size_t>(reader->info().num_rows)) __builtin_trap();
  }
  return 0;
}
