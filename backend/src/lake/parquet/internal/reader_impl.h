// File: lake/parquet/internal/reader_impl.h
//
// The state behind parquet::Reader, shared by reader.cc (flat columns) and
// nested.cc (struct / list / map columns). Internal to the lake module.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "lake/parquet/internal/column_reader.h"
#include "lake/parquet/internal/nested.h"
#include "lake/parquet/internal/thrift_io.h"
#include "lake/parquet/parquet.h"

namespace rc::lake::parquet {

struct Reader::Impl {
  std::string bytes;
  size_t data_end = 0;  // start of the footer
  internal::format::FileMetaData meta;
  std::vector<internal::LeafInfo> leaves;      // one per column chunk, in file order
  std::vector<internal::NestedField> columns;  // top-level columns, flat ones as kLeaf
  std::vector<size_t> flat_leaf;               // info.schema field -> index in `leaves`
  FileInfo info;
};

namespace internal {
// Grants nested.cc access to a Reader's state.
struct ReaderAccess {
  static const Reader::Impl& Of(const Reader& reader) { return *reader.impl_; }
};
}  // namespace internal

}  // namespace rc::lake::parquet
