#include "regime/regime_input.h"


#include "core/numeric.h"

namespace rc::regime {

Result<const std::vector<double>*> ColumnTable::Column(const std::string& name) const {
  auto it = columns.find(name);
  if (it == columns.end()) return InvalidArgument(name, "column is missing from the table");
  return &it->second;
}

Status ColumnTable::Validate() const {
  for (const auto& [name, values] : columns) {
    if (values.size() != ts.size()) {
      return InvalidArgument(name, "column has " + std::to_string(values.size()) + " values, expected " +
                                       std::to_string(ts.size()));
    }
  }
  if (!gap_before.empty() && gap_before.size() != ts.size()) {
    return InvalidArgument("gap_before", "must be empty or have one flag per row");
  }
  for (size_t row = 1; row < ts.size(); ++row) {
    if (ts[row] <= ts[row - 1]) {
      return InvalidArgument("ts", "timestamps must be strictly increasing (row " + std::to_string(row) + ")");
    }
  }
  return Ok();
}

Result<std::vector<RegimeInput>> RegimeInputsFromColumns(const ColumnTable& table, const RegimeColumnNames& names) {
  RC_RETURN_IF_ERROR(table.Validate());
  RC_ASSIGN_OR_RETURN(const std::vector<double>* adx, table.Column(names.adx));
  RC_ASSIGN_OR_RETURN(const std::vector<double>* pdi, table.Column(names.plus_di));
  RC_ASSIGN_OR_RETURN(const std::vector<double>* mdi, table.Column(names.minus_di));
  RC_ASSIGN_OR_RETURN(const std::vector<double>* er, table.Column(names.efficiency_ratio));
  RC_ASSIGN_OR_RETURN(const std::vector<double>* ret, table.Column(names.trend_return));
  RC_ASSIGN_OR_RETURN(const std::vector<double>* dist, table.Column(names.dist_sma));
  RC_ASSIGN_OR_RETURN(const std::vector<double>* rv, table.Column(names.realized_vol));
  auto optional_column = [&](const std::string& name) -> const std::vector<double>* {
    auto it = table.columns.find(name);
    return it == table.columns.end() ? nullptr : &it->second;
  };
  const std::vector<double>* close = optional_column(names.close);
  const std::vector<double>* volume = optional_column(names.volume);
  std::vector<RegimeInput> out(table.rows());
  for (size_t row = 0; row < table.rows(); ++row) {
    RegimeInput& in = out[row];
    in.ts = table.ts[row];
    in.adx = (*adx)[row];
    in.plus_di = (*pdi)[row];
    in.minus_di = (*mdi)[row];
    in.efficiency_ratio = (*er)[row];
    in.trend_return = (*ret)[row];
    in.dist_sma = (*dist)[row];
    in.realized_vol = (*rv)[row];
    if (close) in.close = (*close)[row];
    if (volume) in.volume = (*volume)[row];
    in.gap_before = !table.gap_before.empty() && table.gap_before[row] != 0;
  }
  return out;
}

RegimeInput RegimeInputFromValues(int64_t ts, const std::map<std::string, double>& values, bool gap_before,
                                  const RegimeColumnNames& names) {
  auto get = [&](const std::string& name) {
    auto it = values.find(name);
    return it == values.end() ? kNaN : it->second;
  };
  RegimeInput in;
  in.ts = ts;
  in.adx = get(names.adx);
  in.plus_di = get(names.plus_di);
  in.minus_di = get(names.minus_di);
  in.efficiency_ratio = get(names.efficiency_ratio);
  in.trend_return = get(names.trend_return);
  in.dist_sma = get(names.dist_sma);
  in.realized_vol = get(names.realized_vol);
  in.close = get(names.close);
  in.volume = get(names.volume);
  in.gap_before = gap_before;
  return in;
}

}  // namespace rc::regime
