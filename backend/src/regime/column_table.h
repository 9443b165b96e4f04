// File: regime/column_table.h
//
// A minimal time-ordered column table: the shape silver rows arrive in, and what
// both the regime detector inputs and ml::Dataset are built from, so a caller
// adapts any column source (silver, a CSV, a test generator) in a few lines.
//
//   rc::regime::ColumnTable t;
//   t.ts = {...};                        // strictly increasing UTC micros
//   t.columns["close"] = {...};          // one vector per named column, same length
//   t.columns["adx_14"] = {...};         // NaN during warm-up is fine
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"

namespace rc::regime {

struct ColumnTable {
  std::vector<int64_t> ts;                               // bar open time, UTC micros, strictly increasing
  std::map<std::string, std::vector<double>> columns;    // name -> values, each ts.size() long
  std::vector<uint8_t> gap_before;                       // optional: 1 = a flagged feed gap right before this bar

  size_t rows() const { return ts.size(); }

  // Returns the column or kInvalidArgument naming `name` when it is absent.
  Result<const std::vector<double>*> Column(const std::string& name) const;

  // OK when every column (and gap_before, if non-empty) has ts.size() values and
  // ts is strictly increasing. Errors: kInvalidArgument naming the column / "ts".
  Status Validate() const;
};

}  // namespace rc::regime
