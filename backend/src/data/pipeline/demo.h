// File: data/pipeline/demo.h
//
// The offline demo: when the lake is empty and no live provider answers, the
// server replays the shipped sample (data/providers/demo_sample.h) as a live
// market. The demo lives in its own data directory (DEMO_DATA_DIR, default
// <DATA_DIR>/demo), so sample bars never mix with live bars of the same
// series: its first DEMO_HISTORY_DAYS trading days are imported into that
// lake's raw table as history to train on, and the rest is replayed at
// REPLAY_SPEED from the first bar after them.
//
//   if (*pipeline::DemoWanted(settings, [&] { return pipeline::AnyProviderAnswers(*chain, series, NowMicros()); })) {
//     RC_ASSIGN_OR_RETURN(pipeline::DemoPlan demo, pipeline::PrepareDemo(settings));
//     settings = demo.settings;   // DATA_DIR = the demo lake, PRIMARY_DATA_PROVIDER = replay, ...
//     spdlog::info("{}", pipeline::kDemoBanner);
//   }
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/settings.h"
#include "data/failover/provider_chain.h"

namespace rc::data::pipeline {

// What the start-up log, /health and the UI say while the demo runs.
inline constexpr std::string_view kDemoBanner = "demo: replay of sample data";

// DEMO=on: true; off: false; auto: true when the raw table of DATA_DIR holds
// no bars and `live_provider_answers()` returns false (it is called only when
// the lake is empty). Errors: as the lake.
Result<bool> DemoWanted(const Settings& settings, const std::function<bool()>& live_provider_answers);

// True when `chain` returns at least one bar of the series for the last
// week before `now` (the probe DemoWanted needs; it costs one fetch and, with
// no network, the providers' timeouts).
bool AnyProviderAnswers(ProviderChain& chain, const WatchedSeries& series, TimestampUs now);

struct DemoPlan {
  // `settings` made into the demo's: DATA_DIR = the demo lake,
  // PRIMARY_DATA_PROVIDER = replay with no fallbacks, REPLAY_SOURCE = the
  // sample written there, REPLAY_START = the first bar after the history,
  // WATCHLIST = the sample's series. REPLAY_SPEED is kept (the demo's pace).
  Settings settings;
  WatchedSeries series;
  int64_t history_bars = 0;     // imported into the demo lake's raw table
  int64_t replay_bars = 0;      // left for the replay
  TimestampUs replay_start = 0;
  TimestampUs replay_end = 0;   // close of the sample's last bar: after it the demo market has no more bars
};

// Makes a fresh demo lake (a previous demo's is replaced; a directory that is
// not a demo's is never touched) and returns the demo settings.
// Errors: kInvalidArgument naming DEMO_DATA_DIR (the same as DATA_DIR) or
// DEMO_HISTORY_DAYS (leaves nothing to replay); kConflict when the directory
// exists, is not empty and is not a demo lake; kIo; lake errors.
Result<DemoPlan> PrepareDemo(const Settings& settings);

}  // namespace rc::data::pipeline
