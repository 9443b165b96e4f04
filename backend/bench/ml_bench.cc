// ML benchmarks (issue 5): walk-forward wall time for one year of 5-minute
// bars (~19,000), 5 folds, all families; and single-prediction latency of the
// gated ensemble with bands, models in memory (goal: P99 < 1 ms).
//
// The simulator and its simple feature computation are the tests' own
// (backend/tests/regime/regime_sim.cc), compiled in here so the benchmark
// measures exactly the data the tests validate; bench/CMakeLists.txt links
// only the module.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "../tests/regime/regime_sim.cc"
#include "ml/dataset.h"
#include "ml/predict/predictor.h"
#include "ml/training/walk_forward.h"

namespace {

using namespace rc;

ml::Dataset YearOf5mBars() {
  regime::testing::SimOptions so;
  so.bars = 19000;
  so.seed = 2024;
  regime::ColumnTable table = regime::testing::ComputeFeatures(regime::testing::SimulateRegimes(so), 36, 180);
  ml::DatasetSpec spec;
  spec.feature_names = regime::testing::SimFeatureNames();
  spec.horizon_bars = 36;
  spec.target_column = ml::TargetColumnName(180);
  return std::move(*ml::BuildDataset(table, spec));
}

ml::WalkForwardOptions FiveFolds() {
  ml::WalkForwardOptions o;
  o.folds = 5;
  o.min_train_rows = 4000;
  o.max_parallel = 2;
  return o;
}

void BM_WalkForward19kBars5FoldsAllFamilies(benchmark::State& state) {
  ml::Dataset ds = YearOf5mBars();
  for (auto _ : state) {
    auto r = ml::RunWalkForward(ds, FiveFolds());
    if (!r) state.SkipWithError(r.error().ToString().c_str());
    benchmark::DoNotOptimize(r);
  }
  state.counters["bars"] = static_cast<double>(ds.rows());
}
BENCHMARK(BM_WalkForward19kBars5FoldsAllFamilies)->Unit(benchmark::kMillisecond)->Iterations(1);

void BM_PredictGatedEnsembleWithBands(benchmark::State& state) {
  static const ml::Dataset ds = YearOf5mBars();
  static const ml::TrainingResult* trained = new ml::TrainingResult(std::move(*ml::RunWalkForward(ds, FiveFolds())));
  static const auto record =
      ml::MakeExperimentRecord(*trained, {"SIM", "5m", 180}, "orchestrator", {}, FiveFolds(), ds.ts.back());
  static const auto exp = ml::MakeLoadedExperiment(record, *trained);
  ml::IndexEntry entry;
  entry.active_experiment = record.id;
  entry.gating = record.gating;
  ml::PredictionRequest req;
  req.feature_names = ds.feature_names;
  req.bar_spacing_us = 300'000'000;
  req.horizon_bars = ds.horizon_bars;
  req.recent_vol_per_bar = 0.002;
  std::vector<double> latencies;
  size_t row = 1000;
  for (auto _ : state) {
    req.features = ds.X.row(static_cast<Eigen::Index>(row));
    req.last_close = ds.last_close[row];
    req.last_bar_ts = ds.ts[row];
    req.now = ds.ts[row] + req.bar_spacing_us;
    req.regime.regime = ds.regime[row];
    auto t0 = std::chrono::steady_clock::now();
    ml::Prediction p = ml::Predict(req, &entry, exp.get());
    auto t1 = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(p);
    latencies.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    row = row + 1 < ds.rows() ? row + 1 : 1000;
  }
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    state.counters["p50_us"] = latencies[latencies.size() / 2];
    state.counters["p99_us"] = latencies[latencies.size() * 99 / 100];
  }
}
BENCHMARK(BM_PredictGatedEnsembleWithBands)->Unit(benchmark::kMicrosecond)->Iterations(20000);

}  // namespace

BENCHMARK_MAIN();
