#include "scheduler/bar_cycle.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <spdlog/spdlog.h>

#include "core/json_text.h"
#include "core/calendar.h"
#include "data/failover/provider_chain.h"
#include "data/pipeline/lake_rows.h"
#include "data/pipeline/pipeline.h"
#include "lake/layers/layers.h"
#include "monitoring/standard_metrics.h"
#include "serving/broadcaster.h"
#include "serving/runtime.h"
#include "serving/storage_health.h"

namespace rc::scheduler {
namespace {

// How far back a missing bar is asked for again (it may still arrive late).
constexpr int64_t kGapRetryWindow = kMicrosPerDay;
// The most bars one cycle publishes on bars: (a backfill publishes its newest).
constexpr size_t kMaxBarsPerCycle = 32;

}  // namespace

BarCycle::BarCycle(WatchedSeries series, CycleContext* context) : series_(std::move(series)), context_(context) {}

Status BarCycle::LoadNewestStored() {
  auto raw = data::pipeline::ReadRawBars(context_->data_dir, series_.symbol, series_.timeframe);
  if (!raw) return tl::unexpected(raw.error());
  if (!raw->empty()) newest_stored_ = raw->back().open_time;
  // Bars published before a restart are in bronze already: clients resume over
  // REST, so the stream continues from what is new from now on.
  auto bronze = lake::layers::LayerTable::OpenBronze(context_->data_dir);
  if (!bronze) return tl::unexpected(bronze.error());
  lake::layers::ReadOptions read;
  read.columns = {"ts"};
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch rows, bronze->Read(series_.symbol, series_.timeframe, read));
  if (rows.num_rows() > 0) newest_published_ = rows.Int64s(0).back();
  loaded_ = true;
  return Ok();
}

Result<int64_t> BarCycle::PublishNewBars() {
  serving::Broadcaster* broadcaster = context_->runtime->broadcaster();
  RC_ASSIGN_OR_RETURN(auto bronze, lake::layers::LayerTable::OpenBronze(context_->data_dir));
  lake::layers::ReadOptions read;
  if (newest_published_) read.from = *newest_published_ + 1;
  RC_ASSIGN_OR_RETURN(lake::ColumnBatch rows, bronze.Read(series_.symbol, series_.timeframe, read));
  RC_ASSIGN_OR_RETURN(auto bars, data::pipeline::BronzeFromBatch(rows));
  const std::string channel =
      serving::ChannelName("bars", series_.symbol.str(), series_.timeframe.ToString());
  // A backfill (start-up, after an outage) is history: clients read it over
  // REST. The stream carries the newest bars only, so a burst never overflows
  // a client's send queue.
  const size_t first = bars.size() > kMaxBarsPerCycle ? bars.size() - kMaxBarsPerCycle : 0;
  for (size_t idx = first; idx < bars.size(); ++idx) {
    if (broadcaster != nullptr) {
      broadcaster->Publish(channel, "bar", JsonText(data::pipeline::BronzeBarJson(bars[idx])));
    }
  }
  if (!bars.empty()) newest_published_ = bars.back().bar.open_time;
  return static_cast<int64_t>(bars.size() - first);
}

Result<CycleReport> BarCycle::Run(int64_t now) {
  if (!loaded_) RC_RETURN_IF_ERROR(LoadNewestStored());
  const Symbol& symbol = series_.symbol;
  const Timeframe tf = series_.timeframe;
  const ExchangeCalendar& calendar = ExchangeCalendar::ForSymbol(symbol);
  CycleReport report;
  report.now = now;

  // 1. Fetch everything since the newest stored bar (the backfill after a
  //    start or an outage is the same request, only wider), and again the
  //    recent bars that were missing, in case they arrive late.
  const int64_t after_newest = newest_stored_ ? *newest_stored_ + 1
                                              : now - static_cast<int64_t>(context_->backfill_days) * kMicrosPerDay;
  std::erase_if(gaps_, [&](int64_t open) { return open < now - kGapRetryWindow; });
  const int64_t from = gaps_.empty() ? after_newest : std::min(after_newest, *gaps_.begin());
  std::set<int64_t> expected = gaps_;
  for (int64_t open : calendar.TradingBars(after_newest, now, tf)) {
    if (calendar.BarClose(open, tf) <= now) expected.insert(open);
  }
  report.expected = static_cast<int64_t>(expected.size());
  data::FetchResult fetched;
  if (from < now) {
    auto result = context_->providers->Fetch({symbol, tf, from, now});
    if (result) {
      fetched = std::move(*result);
      report.provider = fetched.provider;
      report.fetched = static_cast<int64_t>(fetched.bars.size());
    } else {
      report.fetch_error = result.error().ToString();
    }
  }

  // 2. Closed bars only go to raw, each once: new ones and late ones that
  //    filled a gap. The forming one is published as it is and stored when
  //    it has closed.
  std::optional<data::RawBar> forming;
  data::FetchResult closed = fetched;
  closed.bars.clear();
  bool filled_gap = false;
  for (const data::RawBar& bar : fetched.bars) {
    const bool is_closed = calendar.SessionAt(bar.open_time) == MarketSession::kRegular
                               ? calendar.BarClose(bar.open_time, tf) <= now
                               : bar.open_time + tf.DurationMicros() <= now;
    if (!is_closed) {
      forming = bar;
      continue;
    }
    const bool late = gaps_.count(bar.open_time) > 0;
    if (bar.open_time < after_newest && !late) continue;  // stored already
    filled_gap |= late && newest_stored_ && bar.open_time < *newest_stored_;
    closed.bars.push_back(bar);
    expected.erase(bar.open_time);
  }
  closed.last_bar_forming = false;
  // The backfill of an empty lake asks for BACKFILL_DAYS: bars before the
  // first one any provider has are history it does not serve, not a feed gap.
  if (!newest_stored_ && !closed.bars.empty()) {
    const int64_t first_served = closed.bars.front().open_time;
    std::erase_if(expected, [&](int64_t open) { return open < first_served; });
  }
  report.missing = static_cast<int64_t>(expected.size());
  gaps_ = expected;
  if (report.missing > 0) {
    // Runbook Data Feed Gap: market_regime_state goes unknown (stale) and this spikes.
    monitoring::CacheMissesTotal().WithLabels({"bars"}).Inc(static_cast<double>(report.missing));
  }
  serving::StorageHealth& storage = context_->runtime->storage();
  if (!closed.bars.empty()) {
    auto commit = data::pipeline::CommitRaw(context_->data_dir, symbol, tf, closed);
    storage.Record("raw", commit ? Ok() : Status(tl::unexpected(commit.error())));
    // Nothing was stored: the next cycle fetches the same bars again.
    if (!commit) return tl::unexpected(commit.error());
    report.stored = commit->rows;
    newest_stored_ = std::max(newest_stored_.value_or(INT64_MIN), closed.bars.back().open_time);
    catch_up_pending_ = true;
    rebuild_series_ |= filled_gap;
  }
  if (catch_up_pending_) {
    // 3. raw -> bronze -> silver for this partition, then the series in
    //    memory. Until this succeeds (after a failed write, the bars are in
    //    raw only), every cycle runs it again, new bars or not.
    data::pipeline::PipelineOptions pipeline;
    pipeline.data_dir = context_->data_dir;
    pipeline.horizons_minutes = context_->horizons_minutes;
    pipeline.now = now;
    pipeline.symbol = symbol;
    pipeline.timeframe = tf;
    auto pipelined = data::pipeline::RunPipeline(pipeline);
    storage.Record("pipeline", pipelined ? Ok() : Status(tl::unexpected(pipelined.error())));
    if (!pipelined) return tl::unexpected(pipelined.error());
    // A late bar lands in the middle of the history: rebuild the series in
    // memory instead of advancing it (features depend on bar order).
    if (rebuild_series_) context_->runtime->book().Invalidate(symbol, tf);
    rebuild_series_ = false;
    RC_ASSIGN_OR_RETURN(auto advanced, context_->runtime->book().CatchUp(symbol, tf));
    report.advanced = static_cast<int64_t>(advanced.size());
    RC_ASSIGN_OR_RETURN(report.published_bars, PublishNewBars());
    catch_up_pending_ = false;
  }
  report.newest_bar = newest_stored_;

  // 4. The forming bar, for charts that draw the current candle.
  if (forming && context_->runtime->broadcaster() != nullptr && forming->open && forming->high && forming->low &&
      forming->close) {
    // The same object as a stored bar (GET /api/bars), marked as still forming.
    data::pipeline::BronzeBar current;
    current.bar = Bar{forming->open_time, *forming->open,  *forming->high,
                      *forming->low,      *forming->close, forming->volume.value_or(0.0)};
    current.session = calendar.SessionAt(forming->open_time);
    boost::json::object bar = data::pipeline::BronzeBarJson(current);
    bar["forming"] = true;
    context_->runtime->broadcaster()->Publish(serving::ChannelName("bars", symbol.str(), tf.ToString()), "bar",
                                              JsonText(bar));
    ++report.published_bars;
  }

  // 5. A new bar in silver: predict every horizon (gold + predictions: + regime:).
  //    No new bar (a feed gap, an outage): the regime still moves with the
  //    clock, to `unknown` once the newest bar is overdue (runbook Data Feed Gap).
  if (report.advanced == 0 && newest_stored_) {
    if (auto refreshed = context_->runtime->RefreshRegime(symbol, tf, now);
        !refreshed && refreshed.error().code != ErrorCode::kNotFound) {
      spdlog::warn("regime of {} {} not refreshed: {}", symbol.str(), tf.ToString(), refreshed.error().ToString());
    }
  }
  if (report.advanced > 0) {
    for (int horizon : context_->horizons_minutes) {
      auto outcome = context_->runtime->Predict({symbol, tf, horizon, std::nullopt}, now);
      if (outcome) {
        ++report.predictions;
      } else {
        spdlog::warn("scheduled prediction {} {} +{}m failed: {}", symbol.str(), tf.ToString(), horizon,
                     outcome.error().ToString());
      }
    }
  }
  return report;
}

}  // namespace rc::scheduler
