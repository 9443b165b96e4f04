#include "ml/registry/registry.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <fstream>

#include "core/json_fields.h"
#include "core/time.h"
#include "ml/internal/json_io.h"
#include "ml/models/family_registry.h"
#include "ml/registry/internal/tar_gz.h"

namespace rc::ml {
namespace fs = std::filesystem;

// Exclusive advisory lock on experiments/.lock for the scope (shared with the
// CLI and other processes; flock also excludes other threads of this one).
class RC_SCOPED_CAPABILITY ExperimentRegistry::ScopedFileLock {
 public:
  ScopedFileLock(const fs::path& root, [[maybe_unused]] FileLock& capability) RC_ACQUIRE(capability) {
    std::error_code ec;
    fs::create_directories(root, ec);
    fd_ = ::open((root / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~ScopedFileLock() RC_RELEASE() {
    if (fd_ >= 0) {
      ::flock(fd_, LOCK_UN);
      ::close(fd_);
    }
  }
  ScopedFileLock(const ScopedFileLock&) = delete;
  ScopedFileLock& operator=(const ScopedFileLock&) = delete;

 private:
  int fd_ = -1;
};

namespace {

boost::json::value RefJson(const std::optional<ModelRef>& r) {
  if (!r) return nullptr;
  return boost::json::object{
      {"experiment_id", r->experiment_id}, {"family", r->family}, {"primary", internal::NumberOrNull(r->primary)}};
}

std::optional<ModelRef> RefFromJson(const boost::json::value* v) {
  if (!v || !v->is_object()) return std::nullopt;
  const auto& o = v->as_object();
  ModelRef r;
  const JsonFields ref = JsonFields::Stored(o, "ref");
  if (auto s = ref.RequiredString("experiment_id")) r.experiment_id = *s;
  if (auto s = ref.RequiredString("family")) r.family = *s;
  if (auto* p = o.if_contains("primary")) r.primary = JsonNumberOrNaN(*p);
  return r;
}

boost::json::object EntryJson(const IndexEntry& e) {
  boost::json::object o{{"symbol", e.key.symbol},
                        {"timeframe", e.key.timeframe},
                        {"horizon_minutes", e.key.horizon_minutes},
                        {"champion", RefJson(e.champion)},
                        {"challenger", RefJson(e.challenger)},
                        {"active_experiment", e.active_experiment},
                        {"gating", e.gating.ToJson()},
                        {"updated_at", FormatIsoUtc(e.updated_at)},
                        {"updated_at_us", e.updated_at}};
  if (e.curated) {
    boost::json::object w;
    for (const auto& [f, v] : e.curated->weights) w[f] = v;
    o["curated"] = boost::json::object{{"experiment_id", e.curated->experiment_id},
                                       {"families", w},
                                       {"who", e.curated->who},
                                       {"why", e.curated->why},
                                       {"when", FormatIsoUtc(e.curated->when)},
                                       {"when_us", e.curated->when}};
  } else {
    o["curated"] = nullptr;
  }
  return o;
}

Result<IndexEntry> EntryFromJson(const boost::json::object& o) {
  IndexEntry e;
  const JsonFields entry = JsonFields::Stored(o, "index.entry");
  RC_ASSIGN_OR_RETURN(e.key.symbol, entry.RequiredString("symbol"));
  RC_ASSIGN_OR_RETURN(e.key.timeframe, entry.RequiredString("timeframe"));
  RC_ASSIGN_OR_RETURN(int64_t hm, entry.RequiredInt("horizon_minutes"));
  e.key.horizon_minutes = static_cast<int>(hm);
  e.champion = RefFromJson(o.if_contains("champion"));
  e.challenger = RefFromJson(o.if_contains("challenger"));
  RC_ASSIGN_OR_RETURN(e.active_experiment, entry.RequiredString("active_experiment"));
  RC_ASSIGN_OR_RETURN(const boost::json::object* g, entry.RequiredObject("gating"));
  RC_ASSIGN_OR_RETURN(e.gating, GatingTable::FromJson(*g));
  RC_ASSIGN_OR_RETURN(e.updated_at, entry.RequiredInt("updated_at_us"));
  if (auto* c = o.if_contains("curated"); c && c->is_object()) {
    const JsonFields curated = JsonFields::Stored(c->as_object(), "index.entry.curated");
    CuratedOverride cur;
    RC_ASSIGN_OR_RETURN(cur.experiment_id, curated.RequiredString("experiment_id"));
    RC_ASSIGN_OR_RETURN(const boost::json::object* fw, curated.RequiredObject("families"));
    for (const auto& kv : *fw) cur.weights[std::string(kv.key())] = JsonNumberOrNaN(kv.value());
    RC_ASSIGN_OR_RETURN(cur.who, curated.RequiredString("who"));
    RC_ASSIGN_OR_RETURN(cur.why, curated.RequiredString("why"));
    RC_ASSIGN_OR_RETURN(cur.when, curated.RequiredInt("when_us"));
    e.curated = cur;
  }
  return e;
}

std::string DateStamp(int64_t now) {
  std::string iso = FormatIsoUtc(now);  // YYYY-MM-DDT...
  return iso.substr(0, 4) + iso.substr(5, 2) + iso.substr(8, 2);
}

bool IsSafeId(const std::string& id) {
  return !id.empty() && id.find('/') == std::string::npos && id.find("..") == std::string::npos && id[0] != '.';
}

}  // namespace

ExperimentRegistry::ExperimentRegistry(fs::path data_dir)
    : data_dir_(std::move(data_dir)), root_(data_dir_ / "experiments") {}

boost::json::object IndexEntry::ToJson() const { return EntryJson(*this); }

Status ExperimentRegistry::WriteIndex(const std::map<ExperimentKey, IndexEntry>& index) const {
  boost::json::object entries;
  for (const auto& [k, e] : index) entries[k.ToString()] = EntryJson(e);
  return internal::WriteJsonFile(root_ / "index.json", boost::json::object{{"version", 1}, {"entries", entries}});
}

Status ExperimentRegistry::Audit(const std::string& action, const std::string& who, const std::string& why,
                                 int64_t now, const std::string& detail) const {
  boost::json::object line{{"at", FormatIsoUtc(now)}, {"action", action}, {"who", who}, {"why", why}, {"detail", detail}};
  std::ofstream out(root_ / "audit.jsonl", std::ios::app);
  out << boost::json::serialize(line) << "\n";
  out.flush();
  if (!out) return IoError("appending to " + (root_ / "audit.jsonl").string());
  return Ok();
}

Result<std::map<ExperimentKey, IndexEntry>> ExperimentRegistry::ReadIndex() const {
  std::map<ExperimentKey, IndexEntry> index;
  if (!fs::exists(root_ / "index.json")) return index;
  RC_ASSIGN_OR_RETURN(auto v, internal::ReadJsonFile(root_ / "index.json"));
  if (!v.is_object()) return DataCorrupt("index.json is not an object", "index.json");
  RC_ASSIGN_OR_RETURN(const boost::json::object* entries, JsonFields::Stored(v.as_object(), "index").RequiredObject("entries"));
  for (const auto& kv : *entries) {
    if (!kv.value().is_object()) return DataCorrupt("index entry is not an object", "index.json");
    RC_ASSIGN_OR_RETURN(IndexEntry e, EntryFromJson(kv.value().as_object()));
    index[e.key] = std::move(e);
  }
  return index;
}

Result<IndexEntry> ExperimentRegistry::Entry(const ExperimentKey& key) const {
  RC_ASSIGN_OR_RETURN(auto index, ReadIndex());
  auto it = index.find(key);
  if (it == index.end()) return NotFound("no experiment for " + key.ToString());
  return it->second;
}

Result<std::string> ExperimentRegistry::Record(const ExperimentRecord& record, const TrainingResult* result) {
  if (!IsSafeId(record.id)) return InvalidArgument("record.id", "must be a plain folder name");
  if (record.kind != "orchestrator" && record.kind != "single" && record.kind != "curated") {
    return InvalidArgument("record.kind", "must be orchestrator, single or curated");
  }
  ScopedFileLock lock(root_, file_lock_);
  fs::path dir = root_ / record.id;
  if (fs::exists(dir)) return Conflict("experiment " + record.id + " already exists");
  // Write into a staging folder and rename, so a crash never leaves a half experiment.
  fs::path staging = root_ / (".staging-" + record.id);
  std::error_code ec;
  fs::remove_all(staging, ec);
  if (result) {
    for (const FamilyResult& fr : result->families) {
      if (!fr.ok || !fr.final_model) continue;
      RC_RETURN_IF_ERROR(fr.final_model->Save(staging / "models" / fr.family));
    }
  }
  RC_RETURN_IF_ERROR(internal::WriteJsonFile(staging / "calibration.json", record.calibration.ToJson()));
  RC_RETURN_IF_ERROR(internal::WriteJsonFile(staging / "record.json", record.ToJson()));
  fs::rename(staging, dir, ec);
  if (ec) return IoError("publishing " + dir.string() + ": " + ec.message());

  if (record.kind == "curated") return record.id;
  RC_ASSIGN_OR_RETURN(auto index, ReadIndex());
  auto it = index.find(record.key);
  IndexEntry entry;
  bool existed = it != index.end();
  if (existed) entry = it->second;
  entry.key = record.key;
  entry.updated_at = record.created_at;
  auto ref = [&](const std::string& family) -> std::optional<ModelRef> {
    if (family.empty()) return std::nullopt;
    auto p = record.primary_by_family.find(family);
    return ModelRef{record.id, family, p == record.primary_by_family.end() ? NAN : p->second};
  };
  if (record.kind == "orchestrator" || !existed) {
    entry.active_experiment = record.id;
    entry.gating = record.gating;
    entry.champion = ref(record.champion);
    entry.challenger = ref(record.challenger);
  } else {
    // single bot: slot its best non-naive family (or naive) into the ranking.
    std::string best = record.champion;
    std::optional<ModelRef> cand = ref(best);
    if (cand && std::isfinite(cand->primary)) {
      auto worse = [](const std::optional<ModelRef>& r, double v) { return !r || !std::isfinite(r->primary) || v < r->primary; };
      if (worse(entry.champion, cand->primary)) {
        entry.challenger = entry.champion;
        entry.champion = cand;
      } else if (worse(entry.challenger, cand->primary)) {
        entry.challenger = cand;
      }
    }
  }
  index[record.key] = entry;
  RC_RETURN_IF_ERROR(WriteIndex(index));
  return record.id;
}

Result<ExperimentRecord> ExperimentRegistry::Load(const std::string& id) const {
  if (!IsSafeId(id)) return InvalidArgument("id", "must be a plain experiment id");
  fs::path path = root_ / id / "record.json";
  if (!fs::exists(path)) return NotFound("experiment " + id);
  RC_ASSIGN_OR_RETURN(auto v, internal::ReadJsonFile(path));
  if (!v.is_object()) return DataCorrupt("record.json is not an object", "record.json");
  return ExperimentRecord::FromJson(v.as_object());
}

Result<std::vector<ExperimentRecord>> ExperimentRegistry::List() const {
  std::vector<ExperimentRecord> out;
  std::error_code ec;
  if (!fs::exists(root_)) return out;
  for (const auto& d : fs::directory_iterator(root_, ec)) {
    if (!d.is_directory()) continue;
    std::string id = d.path().filename().string();
    if (id.empty() || id[0] == '.') continue;
    auto rec = Load(id);
    if (rec) out.push_back(std::move(*rec));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
  });
  return out;
}

Result<std::map<std::string, std::shared_ptr<Model>>> ExperimentRegistry::LoadModels(const ExperimentRecord& record) const {
  std::map<std::string, std::shared_ptr<Model>> models;
  for (const std::string& family : record.families) {
    RC_ASSIGN_OR_RETURN(std::unique_ptr<Model> m, CreateModel(family));
    RC_RETURN_IF_ERROR(m->Load(root_ / record.id / "models" / family));
    models[family] = std::shared_ptr<Model>(std::move(m));
  }
  return models;
}

Result<std::string> ExperimentRegistry::Curate(const ExperimentKey& key, const std::map<std::string, double>& weights,
                                               const std::string& who, const std::string& why, int64_t now) {
  if (who.empty()) return InvalidArgument("who", "is required for the audit trail");
  if (why.empty()) return InvalidArgument("why", "is required for the audit trail");
  RC_ASSIGN_OR_RETURN(IndexEntry entry, Entry(key));
  RC_ASSIGN_OR_RETURN(ExperimentRecord base, Load(entry.active_experiment));
  RC_RETURN_IF_ERROR(ValidateManualWeights(weights, base.families));
  ExperimentRecord cur;
  cur.id = NewExperimentId(key, "curated", now);
  cur.kind = "curated";
  cur.key = key;
  cur.horizon_bars = base.horizon_bars;
  cur.created_at = now;
  cur.data = base.data;
  cur.feature_names = base.feature_names;
  cur.families = base.families;
  cur.primary_metric = base.primary_metric;
  cur.gating.pooled = CuratedWeights(weights, base.families);
  cur.calibration = base.calibration;
  cur.curated = CuratedInfo{weights, who, why, now, base.id};
  RC_RETURN_IF_ERROR(Record(cur, nullptr));
  ScopedFileLock lock(root_, file_lock_);
  RC_ASSIGN_OR_RETURN(auto index, ReadIndex());
  index[key].curated = CuratedOverride{cur.id, weights, who, why, now};
  index[key].updated_at = now;
  RC_RETURN_IF_ERROR(WriteIndex(index));
  std::string detail = key.ToString() + " " + cur.id + " families=";
  for (const auto& [f, w] : weights) detail += f + "=" + std::to_string(w) + ",";
  RC_RETURN_IF_ERROR(Audit("curate", who, why, now, detail));
  return cur.id;
}

Status ExperimentRegistry::Uncurate(const ExperimentKey& key, const std::string& who, const std::string& why,
                                    int64_t now) {
  if (who.empty()) return InvalidArgument("who", "is required for the audit trail");
  ScopedFileLock lock(root_, file_lock_);
  RC_ASSIGN_OR_RETURN(auto index, ReadIndex());
  auto it = index.find(key);
  if (it == index.end() || !it->second.curated) return NotFound("curated override for " + key.ToString());
  std::string id = it->second.curated->experiment_id;
  it->second.curated.reset();
  it->second.updated_at = now;
  RC_RETURN_IF_ERROR(WriteIndex(index));
  return Audit("uncurate", who, why, now, key.ToString() + " " + id);
}

Result<std::string> ExperimentRegistry::Backup(int64_t now) const {
  std::error_code ec;
  fs::create_directories(root_, ec);
  std::string stem = "experiments-" + DateStamp(now);
  fs::path out = data_dir_ / (stem + ".tgz");
  for (int n = 2; fs::exists(out); ++n) out = data_dir_ / (stem + "-" + std::to_string(n) + ".tgz");
  RC_RETURN_IF_ERROR(internal::WriteTarGz(data_dir_, "experiments", out));
  return out.string();
}

Result<PruneReport> ExperimentRegistry::Prune(std::optional<int> older_than_days, bool dry_run, int64_t now,
                                              const std::string& who) {
  if (older_than_days && *older_than_days < 0) return InvalidArgument("older_than_days", "must be >= 0");
  PruneReport report;
  report.dry_run = dry_run;
  RC_ASSIGN_OR_RETURN(auto index, ReadIndex());
  std::map<std::string, std::string> protect;
  for (const auto& [k, e] : index) {
    if (e.champion) protect[e.champion->experiment_id] = "champion of " + k.ToString();
    if (e.challenger && !protect.count(e.challenger->experiment_id)) {
      protect[e.challenger->experiment_id] = "challenger of " + k.ToString();
    }
    if (!e.active_experiment.empty() && !protect.count(e.active_experiment)) {
      protect[e.active_experiment] = "active experiment of " + k.ToString();
    }
    if (e.curated) protect[e.curated->experiment_id] = "curated override of " + k.ToString();
  }
  RC_ASSIGN_OR_RETURN(auto records, List());
  int64_t cutoff = older_than_days ? now - static_cast<int64_t>(*older_than_days) * kMicrosPerDay : INT64_MAX;
  for (const ExperimentRecord& r : records) {
    if (auto p = protect.find(r.id); p != protect.end()) {
      report.kept[r.id] = p->second;
    } else if (r.created_at >= cutoff) {
      report.kept[r.id] = "newer than " + std::to_string(*older_than_days) + " days";
    } else {
      report.removed.push_back(r.id);
    }
  }
  if (dry_run || report.removed.empty()) return report;
  RC_ASSIGN_OR_RETURN(report.backup_path, Backup(now));
  ScopedFileLock lock(root_, file_lock_);
  for (const std::string& id : report.removed) {
    std::error_code ec;
    fs::remove_all(root_ / id, ec);
    if (ec) return IoError("removing " + (root_ / id).string() + ": " + ec.message());
  }
  std::string detail = "removed " + std::to_string(report.removed.size()) + " experiments; backup " + report.backup_path;
  RC_RETURN_IF_ERROR(Audit("prune", who, older_than_days ? "older than " + std::to_string(*older_than_days) + " days"
                                                         : "all unprotected",
                           now, detail));
  return report;
}

Result<std::map<std::string, double>> ParseWeights(const std::string& text) {
  std::map<std::string, double> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (!item.empty()) {
      size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0) return InvalidArgument("weights", "expected family=weight, got '" + item + "'");
      std::string family = item.substr(0, eq);
      char* end = nullptr;
      double w = std::strtod(item.c_str() + eq + 1, &end);
      if (end == item.c_str() + eq + 1 || *end != '\0') {
        return InvalidArgument("weights." + family, "not a number: '" + item.substr(eq + 1) + "'");
      }
      if (out.count(family)) return InvalidArgument("weights." + family, "given twice");
      out[family] = w;
    }
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  if (out.empty()) return InvalidArgument("weights", "must give at least one family=weight");
  return out;
}

}  // namespace rc::ml
