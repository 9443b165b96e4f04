// File: lake/parquet/internal/nested.h
//
// Nested Parquet columns (optional structs, lists, maps of primitive leaves):
// the logical schema tree, its mapping to and from Parquet schema elements
// with definition/repetition levels (the Dremel encoding, docs/formats.md §1.1), and
// records as Boost.JSON values — a struct is an object, a list an array, a map
// an object (keys are strings), a null/absent value null. The Delta checkpoint
// code (lake/delta/internal/checkpoint.cc) is the user: checkpoint rows become
// the same JSON actions a commit file holds. Internal to the lake module.
//
//   std::vector<NestedField> schema = {Struct("txn", {Leaf("appId", ColumnType::kString), ...})};
//   RC_ASSIGN_OR_RETURN(std::string bytes, EncodeNested(schema, rows, options));
//   RC_ASSIGN_OR_RETURN(auto reader, Reader::OpenBuffer(bytes));
//   RC_ASSIGN_OR_RETURN(auto records, ReadNested(reader, {"txn"}));
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "lake/column_batch.h"
#include "lake/parquet/parquet.h"

namespace rc::lake::parquet::internal {

struct NestedField {
  enum class Kind { kLeaf, kStruct, kList, kMap };
  std::string name;
  Kind kind = Kind::kLeaf;
  ColumnType type = ColumnType::kString;  // kLeaf only
  bool nullable = true;
  // kStruct: its fields; kList: {element}; kMap: {key (required string), value}.
  std::vector<NestedField> children;

  // Levels, filled by the reader (from the file) or AssignLevels (writer).
  int def_present = 0;  // definition level at which this value is not null
  int def_element = 0;  // kList / kMap: definition level at which an element exists
  int rep_level = 0;    // kList / kMap: repetition level of its elements
  int leaf_index = -1;  // kLeaf: index of its column chunk in a row group
};

NestedField Leaf(std::string name, ColumnType type, bool nullable = true);
NestedField Struct(std::string name, std::vector<NestedField> fields, bool nullable = true);
NestedField ListOf(std::string name, NestedField element, bool nullable = true);
NestedField MapOf(std::string name, NestedField key, NestedField value, bool nullable = true);

// Fills the level fields and leaf indices of a top-level schema (depth-first
// leaf order, as Parquet orders column chunks). Returns the number of leaves.
int AssignLevels(std::vector<NestedField>& schema);

// Encodes `rows` (objects keyed by top-level column; absent keys are null) as
// a Parquet file with one row group. Values must match the leaf types (JSON
// integers for int/long/timestamp/date, numbers for float/double, strings,
// booleans). Errors: kInvalidArgument naming the column path for a type
// mismatch or a null in a required field.
Result<std::string> EncodeNested(std::vector<NestedField> schema, const std::vector<boost::json::object>& rows,
                                 const WriteOptions& options);

// Reads the named top-level columns (nested or flat) of every row into one
// JSON object per row holding those columns (null when the value is null).
// Fields (below the top level) named in `skip_fields` are left out, with
// everything under them. Errors: kNotFound (unknown column), kUnsupported
// naming the column for shapes or leaf types we do not read, kDataCorrupt for
// inconsistent levels, and the column chunk decoder's errors.
Result<std::vector<boost::json::object>> ReadNested(const Reader& reader, const std::vector<std::string>& columns,
                                                    const std::vector<std::string>& skip_fields = {});

}  // namespace rc::lake::parquet::internal
