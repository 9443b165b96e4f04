#include "scheduler/bar_cycle.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>
#include <spdlog/spdlog.h>

#include "core/json_text.h"
#include "core/calendar.h"
#include "data/failover/provider_chain.h"
#include "data/pipeline/append.h"
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
  // A crash may have left raw ahead of bronze, or bronze ahead of silver (the
  // commits of a close are separate): the first close catches up, new bars
  // or not (nothing is written when the lake is consistent).
  catch_up_pending_ = newest_stored_.has_value();
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

Result<CycleReport> BarCycle::Run(int64_t now) { return std::move(RunBarClose({this}, now).front()); }

BarCycle::Fetched BarCycle::FetchNew(int64_t now, CycleReport& report) {
  const Symbol& symbol = series_.symbol;
  const Timeframe tf = series_.timeframe;
  const ExchangeCalendar& calendar = ExchangeCalendar::ForSymbol(symbol);
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
  Fetched out;
  out.closed = fetched;
  out.closed.bars.clear();
  for (const data::RawBar& bar : fetched.bars) {
    const bool is_closed = calendar.SessionAt(bar.open_time) == MarketSession::kRegular
                               ? calendar.BarClose(bar.open_time, tf) <= now
                               : bar.open_time + tf.DurationMicros() <= now;
    if (!is_closed) {
      out.forming = bar;
      continue;
    }
    const bool late = gaps_.count(bar.open_time) > 0;
    if (bar.open_time < after_newest && !late) continue;  // stored already
    out.filled_gap |= late && newest_stored_ && bar.open_time < *newest_stored_;
    out.closed.bars.push_back(bar);
    expected.erase(bar.open_time);
  }
  out.closed.last_bar_forming = false;
  // The backfill of an empty lake asks for BACKFILL_DAYS: bars before the
  // first one any provider has are history it does not serve, not a feed gap.
  if (!newest_stored_ && !out.closed.bars.empty()) {
    const int64_t first_served = out.closed.bars.front().open_time;
    std::erase_if(expected, [&](int64_t open) { return open < first_served; });
  }
  report.missing = static_cast<int64_t>(expected.size());
  gaps_ = expected;
  if (report.missing > 0) {
    // Runbook Data Feed Gap: market_regime_state goes unknown (stale) and this spikes.
    monitoring::CacheMissesTotal().WithLabels({"bars"}).Inc(static_cast<double>(report.missing));
  }
  return out;
}

Status BarCycle::Finish(int64_t now, const Fetched& fetched, bool caught_up, std::optional<size_t> seen_before,
                        CycleReport& report) {
  const Symbol& symbol = series_.symbol;
  const Timeframe tf = series_.timeframe;
  if (caught_up) {
    // 3b. The series in memory. A late bar lands in the middle of the
    //     history: rebuild the series instead of advancing it (features
    //     depend on bar order).
    if (rebuild_series_) context_->runtime->book().Invalidate(symbol, tf);
    rebuild_series_ = false;
    RC_ASSIGN_OR_RETURN(auto advanced, context_->runtime->book().CatchUp(symbol, tf));
    report.advanced = static_cast<int64_t>(advanced.size());
    // The server's refresher may have rebuilt the series from the new silver
    // between the pipeline's commit and this catch-up (a close of many series
    // takes a while): the bars it took in count as advanced too.
    if (seen_before) {
      const std::optional<size_t> seen_after = context_->runtime->book().BarsSeen(symbol, tf);
      if (seen_after && *seen_after > *seen_before) {
        report.advanced = std::max(report.advanced, static_cast<int64_t>(*seen_after - *seen_before));
      }
    }
    RC_ASSIGN_OR_RETURN(report.published_bars, PublishNewBars());
    catch_up_pending_ = false;
  }
  report.newest_bar = newest_stored_;

  // 4. The forming bar, for charts that draw the current candle.
  const auto& forming = fetched.forming;
  if (forming && context_->runtime->broadcaster() != nullptr && forming->open && forming->high && forming->low &&
      forming->close) {
    // The same object as a stored bar (GET /api/bars), marked as still forming.
    data::pipeline::BronzeBar current;
    current.bar = Bar{forming->open_time, *forming->open,  *forming->high,
                      *forming->low,      *forming->close, forming->volume.value_or(0.0)};
    current.session = ExchangeCalendar::ForSymbol(symbol).SessionAt(forming->open_time);
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
  return Ok();
}

std::vector<Result<CycleReport>> RunBarClose(const std::vector<BarCycle*>& cycles, int64_t now) {
  std::vector<Result<CycleReport>> out(cycles.size());
  if (cycles.empty()) return out;
  CycleContext& context = *cycles.front()->context_;
  serving::StorageHealth& storage = context.runtime->storage();
  std::vector<CycleReport> reports(cycles.size());
  std::vector<BarCycle::Fetched> fetched(cycles.size());
  std::vector<bool> failed(cycles.size(), false);
  auto fail = [&](size_t i, const Error& error) {
    out[i] = tl::unexpected(error);
    failed[i] = true;
  };
  for (size_t i = 0; i < cycles.size(); ++i) {
    if (!cycles[i]->loaded_) {
      if (Status loaded = cycles[i]->LoadNewestStored(); !loaded) {
        fail(i, loaded.error());
        continue;
      }
    }
    fetched[i] = cycles[i]->FetchNew(now, reports[i]);
  }

  // 3a. Every series' new closed bars in ONE raw commit.
  std::vector<data::pipeline::SeriesFetch> to_store;
  std::vector<size_t> storing;
  for (size_t i = 0; i < cycles.size(); ++i) {
    if (failed[i] || fetched[i].closed.bars.empty()) continue;
    to_store.push_back({cycles[i]->series_.symbol, cycles[i]->series_.timeframe, &fetched[i].closed});
    storing.push_back(i);
  }
  if (!to_store.empty()) {
    auto commits = data::pipeline::CommitRawBatch(context.data_dir, to_store);
    storage.Record("raw", commits ? Ok() : Status(tl::unexpected(commits.error())));
    for (size_t k = 0; k < storing.size(); ++k) {
      const size_t i = storing[k];
      BarCycle& cycle = *cycles[i];
      // Nothing was stored: the next cycle fetches the same bars again.
      if (!commits) {
        fail(i, commits.error());
        continue;
      }
      reports[i].stored = (*commits)[k].rows;
      cycle.newest_stored_ =
          std::max(cycle.newest_stored_.value_or(INT64_MIN), fetched[i].closed.bars.back().open_time);
      cycle.catch_up_pending_ = true;
      cycle.rebuild_series_ |= fetched[i].filled_gap;
    }
  }

  // 3b. raw -> bronze -> silver for every series with bars to catch up, in
  //     one catch-up (appends; rebuilds where the lake is not as the appender
  //     left it). Until it succeeds (after a failed write the bars are in raw
  //     only), every close runs it again, new bars or not.
  if (!context.appender) {
    context.appender = std::make_shared<data::pipeline::LiveAppender>(
        data::pipeline::AppendOptions{.data_dir = context.data_dir, .horizons_minutes = context.horizons_minutes});
  }
  std::vector<std::pair<Symbol, Timeframe>> partitions;
  std::vector<size_t> catching_up;
  for (size_t i = 0; i < cycles.size(); ++i) {
    if (failed[i] || !cycles[i]->catch_up_pending_) continue;
    const WatchedSeries& series = cycles[i]->series_;
    // A late bar in the history: rebuilt, not appended (bronze's gaps and
    // silver's features follow bar order).
    if (cycles[i]->rebuild_series_) context.appender->Forget(series.symbol, series.timeframe);
    partitions.emplace_back(series.symbol, series.timeframe);
    catching_up.push_back(i);
  }
  // What each series in memory had consumed before the pipeline (see Finish).
  std::vector<std::optional<size_t>> seen_before(cycles.size());
  if (!catching_up.empty()) {
    std::set<std::pair<Symbol, Timeframe>> in_memory;
    for (auto& series : context.runtime->book().Series()) in_memory.insert(std::move(series));
    for (size_t i : catching_up) {
      const WatchedSeries& series = cycles[i]->series_;
      if (in_memory.count({series.symbol, series.timeframe}) != 0) {
        seen_before[i] = context.runtime->book().BarsSeen(series.symbol, series.timeframe);
      }
    }
  }
  std::vector<bool> caught_up(cycles.size(), false);
  if (!catching_up.empty()) {
    auto pipelined = context.appender->CatchUp(partitions, now);
    storage.Record("pipeline", pipelined ? Ok() : Status(tl::unexpected(pipelined.error())));
    for (size_t i : catching_up) {
      if (pipelined) {
        caught_up[i] = true;
      } else {
        fail(i, pipelined.error());
      }
    }
  }

  for (size_t i = 0; i < cycles.size(); ++i) {
    if (failed[i]) continue;
    if (Status finished = cycles[i]->Finish(now, fetched[i], caught_up[i], seen_before[i], reports[i]); !finished) {
      out[i] = tl::unexpected(finished.error());
      continue;
    }
    out[i] = std::move(reports[i]);
  }
  return out;
}

}  // namespace rc::scheduler
