// libFuzzer target for the Delta log reader: any commit file text must yield
// either an error or actions that (a) serialize and re-parse to the same
// serialization, and (b) replay onto a snapshot without crashing; every path
// accepted by the path resolver must stay inside the table.
//
//   scripts/run-fuzzers rc_delta_log_fuzz
//   build/fuzz/bin/rc_delta_log_fuzz corpus/ -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "lake/delta/actions.h"
#include "lake/delta/internal/log.h"
#include "lake/paths.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string table = "/fuzz/table";

  // Every path the resolver accepts lies strictly inside the table.
  if (size < 4096) {
    auto resolved = rc::lake::paths::ResolveDataPath(table, text);
    if (resolved) {
      if (resolved->rfind(table + "/", 0) != 0) __builtin_trap();
      if (resolved->find("/../") != std::string::npos || resolved->find("/./") != std::string::npos) __builtin_trap();
    }
    auto unescaped = rc::lake::paths::UnescapePartitionValue(rc::lake::paths::EscapePartitionValue(text));
    if (!unescaped || *unescaped != text) __builtin_trap();  // escaping must round-trip
  }

  auto commit = rc::lake::delta::ParseCommit(text, "fuzz.json");
  if (!commit) return 0;
  const std::string once = rc::lake::delta::SerializeCommit(*commit);
  auto again = rc::lake::delta::ParseCommit(once, "fuzz-again.json");
  if (!again) __builtin_trap();  // our own output must parse
  if (rc::lake::delta::SerializeCommit(*again) != once) __builtin_trap();  // and be a fixed point

  // Replay as version 0 (and, when that is impossible, as a later version).
  rc::lake::delta::Snapshot snapshot;
  snapshot.table_dir = table;
  auto applied = rc::lake::delta::internal::ApplyCommit(snapshot, 0, *commit, 0);
  if (applied) {
    for (const auto& [rel, file] : snapshot.files) {
      if (rel.empty() || rel.front() == '/' || rel == ".." || rel.rfind("../", 0) == 0) __builtin_trap();
    }
    (void)rc::lake::delta::CheckProtocol(snapshot.protocol, true);
  }
  return 0;
}
