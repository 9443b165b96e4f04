#include "data/sim/market_simulator.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace rc::data {
namespace {

constexpr double kFiveMinutes = 5.0;
constexpr int kSubsteps = 4;

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t Fnv1a(std::string_view text, uint64_t hash = 0xCBF29CE484222325ULL) {
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001B3ULL;
  }
  return hash;
}

double Round2(double price) { return std::round(price * 100.0) / 100.0; }

// U-shaped intraday profile over u in [0, 1]: busy open and close, quiet midday.
double UShape(double u) {
  const double x = 2.0 * u - 1.0;
  return 0.55 + 1.35 * x * x;
}

}  // namespace

std::array<RegimeParams, kRegimeCount> SimConfig::DefaultRegimes() {
  return {{
      {+0.00030, 0.0012, 0.00, 1.15, 120},  // trending_up
      {-0.00030, 0.0015, 0.00, 1.25, 100},  // trending_down
      {0.0, 0.0010, 0.08, 0.80, 150},       // range_bound
      {0.0, 0.0040, 0.01, 1.80, 60},        // volatile
      {0.0, 0.0012, 0.00, 1.00, 150},       // neutral
      {0.0, 0.0012, 0.00, 1.00, 12},        // unknown (feed gap: nothing emitted)
  }};
}

std::array<std::array<double, kRegimeCount>, kRegimeCount> SimConfig::DefaultTransitions() {
  //        up    down  range  vol   neutral unknown
  return {{
      {{0.00, 0.15, 0.30, 0.15, 0.36, 0.04}},  // from trending_up
      {{0.15, 0.00, 0.30, 0.20, 0.31, 0.04}},  // from trending_down
      {{0.25, 0.25, 0.00, 0.10, 0.36, 0.04}},  // from range_bound
      {{0.20, 0.20, 0.20, 0.00, 0.36, 0.04}},  // from volatile
      {{0.25, 0.25, 0.25, 0.21, 0.00, 0.04}},  // from neutral
      {{0.20, 0.20, 0.20, 0.10, 0.30, 0.00}},  // from unknown
  }};
}

MarketSimulator::MarketSimulator(const SimConfig& config, const Symbol& symbol, Timeframe timeframe)
    : config_(config), timeframe_(timeframe), calendar_(&ExchangeCalendar::ForSymbol(symbol)) {
  uint64_t mix = config.seed ^ Fnv1a(symbol.str()) ^ (Fnv1a(timeframe.ToString()) << 1);
  rng_state_ = SplitMix64(mix);
  log_price_ = std::log(config.start_price);
  anchor_ = log_price_;
  day_ = calendar_->LocalDay(config.origin);
}

double MarketSimulator::Uniform() { return static_cast<double>(SplitMix64(rng_state_) >> 11) * 0x1.0p-53; }

double MarketSimulator::Normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  // Box-Muller; u1 in (0, 1] so the log is finite.
  const double u1 = 1.0 - Uniform();
  const double u2 = Uniform();
  const double r = std::sqrt(-2.0 * std::log(u1));
  spare_normal_ = r * std::sin(2.0 * M_PI * u2);
  has_spare_normal_ = true;
  return r * std::cos(2.0 * M_PI * u2);
}

void MarketSimulator::MaybeSwitchRegime(double scale) {
  const RegimeParams& p = config_.regimes[static_cast<int>(regime_)];
  const double leave = 1.0 - std::exp(-scale / std::max(1.0, p.mean_duration));
  if (Uniform() >= leave) return;
  const auto& row = config_.transitions[static_cast<int>(regime_)];
  double total = 0;
  for (int to = 0; to < kRegimeCount; ++to) total += to == static_cast<int>(regime_) ? 0 : row[to];
  if (total <= 0) return;
  double pick = Uniform() * total;
  for (int to = 0; to < kRegimeCount; ++to) {
    if (to == static_cast<int>(regime_)) continue;
    pick -= row[to];
    if (pick < 0 || to == kRegimeCount - 1) {
      regime_ = static_cast<Regime>(to);
      break;
    }
  }
  anchor_ = log_price_;
}

void MarketSimulator::GenerateDay() {
  while (true) {
    const int64_t day = day_++;
    auto session = calendar_->RegularSession(day);
    if (!session) continue;
    // Bar opens of the day: regular bars, plus NSE's pre-open and closing-session
    // bars when asked for (real NSE feeds carry them; bronze tags them).
    std::vector<TimestampUs> opens;
    std::vector<MarketSession> kinds;
    if (timeframe_ == Timeframe::k1d) {
      opens.push_back(session->open);
      kinds.push_back(MarketSession::kRegular);
    } else {
      const int64_t step = timeframe_.DurationMicros();
      const bool extended = config_.extended_hours && calendar_->name() == "NSE" && timeframe_.Minutes() <= 15;
      if (extended) {
        for (TimestampUs t = session->open - 60 * kMicrosPerMinute; t < session->open; t += step) {
          if (calendar_->SessionAt(t) == MarketSession::kPre) {
            opens.push_back(t);
            kinds.push_back(MarketSession::kPre);
          }
        }
      }
      for (TimestampUs t : calendar_->TradingBars(session->open, session->close, timeframe_)) {
        opens.push_back(t);
        kinds.push_back(MarketSession::kRegular);
      }
      if (extended) {
        for (TimestampUs t = session->close; t < session->close + 60 * kMicrosPerMinute; t += step) {
          if (calendar_->SessionAt(t) == MarketSession::kPost) {
            opens.push_back(t);
            kinds.push_back(MarketSession::kPost);
          }
        }
      }
    }
    const double session_len = static_cast<double>(session->close - session->open);
    // Overnight gap: markets that close reopen away from yesterday's close.
    if (!first_day_ && calendar_->name() != "24x7") {
      const double sigma = config_.regimes[static_cast<int>(regime_)].volatility;
      log_price_ += 3.0 * sigma * Normal();
    }
    first_day_ = false;
    for (size_t i = 0; i < opens.size(); ++i) {
      const TimestampUs open_time = opens[i];
      const bool regular = kinds[i] == MarketSession::kRegular;
      const TimestampUs close_time = timeframe_ == Timeframe::k1d ? session->close
                                     : regular ? calendar_->BarClose(open_time, timeframe_)
                                               : open_time + timeframe_.DurationMicros();
      const double minutes = static_cast<double>(close_time - open_time) / kMicrosPerMinute;
      const double scale = minutes / kFiveMinutes;
      if (regular) MaybeSwitchRegime(scale);
      const RegimeParams& p = config_.regimes[static_cast<int>(regime_)];
      const double u = std::clamp(static_cast<double>(open_time - session->open) / session_len, 0.0, 1.0);
      const double intraday_vol = timeframe_ == Timeframe::k1d ? 1.0 : std::sqrt(UShape(u));
      // Outside the regular session prices barely move and volume is thin.
      const double session_factor = regular ? 1.0 : 0.15;
      const double sigma = p.volatility * std::sqrt(scale) * intraday_vol * session_factor;
      const double drift = p.drift * scale * session_factor;
      const double kappa = 1.0 - std::pow(1.0 - std::clamp(p.mean_reversion, 0.0, 1.0), scale);

      const double open_log = log_price_;
      double hi = open_log, lo = open_log;
      for (int step_idx = 0; step_idx < kSubsteps; ++step_idx) {
        log_price_ += drift / kSubsteps + kappa / kSubsteps * (anchor_ - log_price_) +
                      sigma / std::sqrt(static_cast<double>(kSubsteps)) * Normal();
        hi = std::max(hi, log_price_);
        lo = std::min(lo, log_price_);
      }
      // Wicks beyond the sampled path.
      hi += std::abs(Normal()) * sigma * 0.25;
      lo -= std::abs(Normal()) * sigma * 0.25;
      const double volume_noise = std::exp(0.35 * Normal() - 0.06125);
      if (regime_ == Regime::kUnknown) continue;  // feed gap: the market moves, nothing is emitted

      SimBar out;
      out.regime = regime_;
      out.close_time = close_time;
      out.bar.open_time = open_time;
      out.bar.open = Round2(std::exp(open_log));
      out.bar.close = Round2(std::exp(log_price_));
      out.bar.high = std::max({Round2(std::exp(hi)), out.bar.open, out.bar.close});
      out.bar.low = std::min({Round2(std::exp(lo)), out.bar.open, out.bar.close});
      if (out.bar.low <= 0) out.bar.low = 0.01;
      const double shape = timeframe_ == Timeframe::k1d ? session_len / kMicrosPerMinute / kFiveMinutes : UShape(u);
      out.bar.volume = std::round(config_.base_volume * (timeframe_ == Timeframe::k1d ? 1.0 : scale) * shape *
                                  p.volume_multiplier * volume_noise * (regular ? 1.0 : 0.05));
      pending_.push_back(out);
    }
    if (!pending_.empty()) return;
  }
}

SimBar MarketSimulator::Next() {
  while (pending_.empty()) GenerateDay();
  SimBar bar = pending_.front();
  pending_.pop_front();
  return bar;
}

Result<SimSeries> Simulate(const SimConfig& config, const Symbol& symbol, Timeframe timeframe, TimestampUs from,
                           TimestampUs to) {
  if (from >= to) {
    return InvalidArgument("from", "must be before 'to' (" + FormatIsoUtc(from) + " >= " + FormatIsoUtc(to) + ")");
  }
  SimSeries series;
  if (to <= config.origin) return series;
  MarketSimulator sim(config, symbol, timeframe);
  while (true) {
    SimBar b = sim.Next();
    if (b.bar.open_time >= to) break;
    if (b.bar.open_time < from) continue;
    series.bars.push_back(b.bar);
    series.regimes.push_back(b.regime);
  }
  return series;
}

Result<SimSeries> SimulateTradingDays(const SimConfig& config, const Symbol& symbol, Timeframe timeframe, int days,
                                      TimestampUs end) {
  if (days < 1 || days > 10000) return InvalidArgument("days", "must be in 1..10000, got " + std::to_string(days));
  const ExchangeCalendar& cal = ExchangeCalendar::ForSymbol(symbol);
  int64_t day = cal.LocalDay(end - 1);
  TimestampUs from = end;
  int found = 0;
  for (int64_t guard = 0; found < days && guard < days * 3 + 30; ++guard, --day) {
    auto session = cal.RegularSession(day);
    if (!session || session->open >= end) continue;
    // Start an hour before the open so NSE pre-open bars of that day are included.
    from = session->open - 60 * kMicrosPerMinute;
    ++found;
  }
  SimConfig adjusted = config;
  adjusted.origin = std::min(config.origin, from);
  return Simulate(adjusted, symbol, timeframe, from, end);
}

void RunLive(MarketSimulator& simulator, const LiveOptions& options, const std::function<bool(const SimBar&)>& on_bar,
             std::stop_token stop) {
  auto sleeper = options.sleeper;
  if (!sleeper) {
    sleeper = [](int64_t wall_micros, std::stop_token token) {
      std::mutex mutex;
      std::condition_variable_any cv;
      std::unique_lock lock(mutex);
      cv.wait_for(lock, token, std::chrono::microseconds(wall_micros), [] { return false; });
      return !token.stop_requested();
    };
  }
  const double speed = options.speed > 0 ? options.speed : 1.0;
  std::optional<std::chrono::steady_clock::time_point> wall_start;  // set at the first live bar
  int64_t emitted = 0;
  while (!stop.stop_requested()) {
    SimBar bar = simulator.Next();
    if (bar.close_time <= options.start) continue;
    // Catching up from the origin can take a while; sim time starts once it is done.
    if (!wall_start) wall_start = std::chrono::steady_clock::now();
    const auto wall_elapsed =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - *wall_start).count();
    const double sim_now = static_cast<double>(options.start) + static_cast<double>(wall_elapsed) * speed;
    const double wait_sim = static_cast<double>(bar.close_time) - sim_now;
    if (wait_sim > 0 && !sleeper(static_cast<int64_t>(wait_sim / speed), stop)) return;
    if (stop.stop_requested()) return;
    if (!on_bar(bar)) return;
    if (options.max_bars > 0 && ++emitted >= options.max_bars) return;
  }
}

}  // namespace rc::data
