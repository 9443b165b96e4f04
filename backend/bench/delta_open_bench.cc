// Opening a Delta table (a fresh process: no cached snapshot) after 10, 1,000
// and 100,000 commits. Each commit replaces the table's one live file, as a
// group-committed log that is compacted would: what grows is the history, not
// the table. With a checkpoint 5 commits before the end, opening reads
// _last_checkpoint, the checkpoint and 6 commits whatever the history's length;
// the "no checkpoint" rows replay every commit (the cost before checkpoints).
// BM_OpenCheckpointOfManyFiles shows what does grow: the live files.
//
//   cmake --preset bench && cmake --build build/bench --target rc_delta_open_bench
//   build/bench/bin/rc_delta_open_bench
#include <benchmark/benchmark.h>

#include <filesystem>
#include <map>
#include <string>

#include "lake/delta/actions.h"
#include "lake/delta/table.h"
#include "lake/fs.h"
#include "lake/paths.h"

namespace {

namespace delta = rc::lake::delta;
namespace paths = rc::lake::paths;
using rc::lake::ColumnType;
using rc::lake::Schema;

constexpr int64_t kT0Ms = 1'600'000'000'000;  // 2020: every tombstone is past retention

// A table of `commits` versions (0 creates it); with `checkpoint_at` >= 0 a
// checkpoint of that version. Each commit replaces the previous file, or with
// `keep_files` adds one more live file. Commit files are written directly (not through
// Append) so that building 100,000 versions takes seconds: opening never reads
// the data files.
std::string BuildTable(int64_t commits, int64_t checkpoint_at, bool keep_files = false) {
  const std::string dir = std::filesystem::temp_directory_path().string() + "/rc_delta_open_bench_" +
                          std::to_string(commits) + "_" + std::to_string(checkpoint_at) + (keep_files ? "_k" : "");
  std::filesystem::remove_all(dir);
  delta::Table::ClearSnapshotCache();
  delta::CreateOptions create;
  create.schema = Schema{{{"symbol", ColumnType::kString, false},
                          {"ts", ColumnType::kTimestampMicros, false},
                          {"close", ColumnType::kDouble, true}}};
  create.partition_columns = {"symbol"};
  auto table = delta::Table::Create(dir, create);
  if (!table) throw std::runtime_error(table.error().ToString());
  rc::lake::FileSystem& fs = rc::lake::LocalFileSystem();
  auto file_of = [](int64_t v) { return "symbol=TCS.NS/part-" + std::to_string(v) + ".snappy.parquet"; };
  auto write_commit = [&](int64_t v) {
    delta::CommitActions commit;
    delta::AddFile add;
    add.path = file_of(v);
    add.partition_values = {{"symbol", "TCS.NS"}};
    add.size = 4096;
    add.modification_time = kT0Ms + v;
    add.stats = R"({"numRecords":16})";
    commit.adds.push_back(add);
    if (v > 1 && !keep_files) {
      delta::RemoveFile remove;
      remove.path = file_of(v - 1);
      remove.deletion_timestamp = kT0Ms + v;
      remove.partition_values = add.partition_values;
      remove.size = 4096;
      commit.removes.push_back(remove);
    }
    commit.commit_info = delta::CommitInfo{R"({"timestamp":)" + std::to_string(kT0Ms + v) + R"(,"operation":"WRITE"})",
                                           kT0Ms + v, "WRITE"};
    auto written = fs.WriteFile(paths::CommitFilePath(table->dir(), v), delta::SerializeCommit(commit), false);
    if (!written) throw std::runtime_error(written.error().ToString());
  };
  const int64_t before = checkpoint_at >= 0 ? checkpoint_at : commits - 1;
  for (int64_t v = 1; v <= before; ++v) write_commit(v);
  if (checkpoint_at >= 0) {
    delta::Table::ClearSnapshotCache();
    auto opened = delta::Table::Open(dir);
    if (!opened) throw std::runtime_error(opened.error().ToString());
    auto checkpointed = opened->Checkpoint();
    if (!checkpointed) throw std::runtime_error(checkpointed.error().ToString());
    for (int64_t v = checkpoint_at + 1; v < commits; ++v) write_commit(v);
  }
  return dir;
}

void OpenTable(benchmark::State& state, bool with_checkpoint) {
  const int64_t commits = state.range(0);
  static std::map<std::pair<int64_t, bool>, std::string> built;
  auto& dir = built[{commits, with_checkpoint}];
  if (dir.empty()) dir = BuildTable(commits, with_checkpoint ? commits - 6 : -1);
  for (auto _ : state) {
    delta::Table::ClearSnapshotCache();
    auto table = delta::Table::Open(dir);
    if (!table) {
      state.SkipWithError(table.error().ToString().c_str());
      return;
    }
    auto snap = table->Latest();
    benchmark::DoNotOptimize(snap);
    if (!snap || (*snap)->version != commits - 1 || (*snap)->files.size() != 1) {
      state.SkipWithError("wrong snapshot");
      return;
    }
  }
  state.counters["commits"] = static_cast<double>(commits);
}

void BM_OpenWithCheckpoint(benchmark::State& state) { OpenTable(state, true); }

// What a checkpoint costs grows with the live files it lists (one row each):
// opening a table of `files` live files, 5 commits past its checkpoint.
void BM_OpenCheckpointOfManyFiles(benchmark::State& state) {
  const int64_t files = state.range(0);
  static std::map<int64_t, std::string> built;
  auto& dir = built[files];
  if (dir.empty()) dir = BuildTable(files + 1, files - 5, /*keep_files=*/true);
  for (auto _ : state) {
    delta::Table::ClearSnapshotCache();
    auto table = delta::Table::Open(dir);
    if (!table || (*table->Latest())->files.size() != static_cast<size_t>(files)) {
      state.SkipWithError("wrong snapshot");
      return;
    }
  }
  state.counters["files"] = static_cast<double>(files);
}
void BM_OpenWithoutCheckpoint(benchmark::State& state) { OpenTable(state, false); }

BENCHMARK(BM_OpenWithCheckpoint)->Arg(10)->Arg(1'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_OpenCheckpointOfManyFiles)->Arg(1'000)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_OpenWithoutCheckpoint)->Arg(10)->Arg(1'000)->Arg(10'000)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
