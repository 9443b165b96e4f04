// Pure data transforms from API payloads to chart series. Times on the chart
// are exchange-local: lightweight-charts draws UTC, so each timestamp is
// shifted by the exchange zone's offset at that instant (and the zone is
// shown next to the axis).
import type { ApiResponse, ApiSchema } from './api-client'

// Wire shapes come from types/api.d.ts, generated from the server's
// /openapi.json (npm run api-types): a renamed field fails the type check.
export type WireBar = ApiSchema<'Bar'>
export type WireRegimeState = ApiSchema<'RegimeState'>
export type WirePrediction = ApiSchema<'Prediction'>
export type WireBand = WirePrediction['bands'][number]
// One row of the gold prediction log (GET /api/predictions).
export type WireLoggedPrediction = ApiSchema<'LoggedPrediction'>
export type WireIndicators = ApiResponse<'/api/indicators', 'get'>
export type WireWatchlistEntry = ApiResponse<'/api/watchlist', 'get'>['series'][number]

// What the Market page draws of a prediction: a live one, or the latest
// logged one (predictionFromLog), which lacks the live-only fields.
export type ShownPrediction = Pick<WirePrediction, 'symbol' | 'timeframe' | 'horizon_minutes' | 'regime' | 'expected_price' | 'degraded'> &
  Partial<Pick<WirePrediction, 'regime_confidence' | 'expected_return' | 'last_close' | 'data_last_ts' | 'experiment_id'>> & {
    bands: Pick<WireBand, 'level' | 'lower' | 'upper'>[]
  }

export interface Candle {
  time: number
  open: number
  high: number
  low: number
  close: number
}
export interface VolumeBar {
  time: number
  value: number
  color: string
}
export interface LinePoint {
  time: number
  value: number
}
export interface RegimeSegment {
  from: number // chart time of the first bar in the state
  to: number   // chart time of the last bar in the state
  state: string
  confidence: number
}
export interface FanPoint {
  time: number
  expected: number
  bands: { level: number; lower: number; upper: number }[]
}

export const REGIME_COLORS: Record<string, string> = {
  trending_up: '#16a34a',
  trending_down: '#dc2626',
  range_bound: '#2563eb',
  volatile: '#d97706',
  neutral: '#6b7280',
  unknown: '#9ca3af',
}

// Darker tones of the same hues for white text (labels, pills): WCAG AA 4.5:1.
export const REGIME_LABEL_COLORS: Record<string, string> = {
  trending_up: '#15803d',
  trending_down: '#b91c1c',
  range_bound: '#1d4ed8',
  volatile: '#b45309',
  neutral: '#4b5563',
  unknown: '#4b5563',
}

export const TIMEFRAMES = ['1m', '5m', '15m', '30m', '1h', '1d'] as const

const TIMEFRAME_MINUTES: Record<string, number> = { '1m': 1, '5m': 5, '15m': 15, '30m': 30, '1h': 60, '1d': 1440 }

export function timeframeMinutes(timeframe: string): number {
  const minutes = TIMEFRAME_MINUTES[timeframe]
  if (minutes === undefined) throw new Error(`unknown timeframe ${timeframe}`)
  return minutes
}

// The exchange's IANA zone from the symbol's suffix (Yahoo conventions).
export function exchangeZone(symbol: string): string {
  const suffix = symbol.includes('.') ? symbol.slice(symbol.lastIndexOf('.')).toUpperCase() : ''
  switch (suffix) {
    case '.NS':
    case '.BO':
      return 'Asia/Kolkata'
    case '.L':
      return 'Europe/London'
    case '.T':
      return 'Asia/Tokyo'
    case '':
      return 'America/New_York'
    default:
      return 'UTC'
  }
}

const offsetCache = new Map<string, number>()
const formatters = new Map<string, Intl.DateTimeFormat>()

function wallClockFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(zone, formatter)
  }
  return formatter
}

// Seconds to add to a UTC epoch to get the wall-clock time in `zone` (zones
// change offset on the hour, so one lookup per hour is enough).
export function zoneOffsetSeconds(zone: string, epochSeconds: number): number {
  const hour = Math.floor(epochSeconds / 3600)
  const key = `${zone}|${hour}`
  const cached = offsetCache.get(key)
  if (cached !== undefined) return cached
  const parts = wallClockFormatter(zone).formatToParts(new Date(hour * 3600 * 1000))
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0)
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) / 1000
  const offset = wall - hour * 3600
  if (offsetCache.size > 10_000) offsetCache.clear()
  offsetCache.set(key, offset)
  return offset
}

// Parses an ISO-8601 UTC timestamp; NaN when invalid.
export function epochSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000)
}

export function toChartTime(iso: string, zone: string): number {
  const epoch = epochSeconds(iso)
  return Number.isFinite(epoch) ? epoch + zoneOffsetSeconds(zone, epoch) : Number.NaN
}

// Short zone label for the axis ("IST", "GMT+5:30" where no name exists).
export function zoneLabel(zone: string, at = new Date()): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')
  return part?.value ?? zone
}

function finite(...values: unknown[]): boolean {
  return values.every((v) => typeof v === 'number' && Number.isFinite(v))
}

// Candles and volume, ascending by time, one per time (a later duplicate —
// the live update of the same bar — wins); malformed bars are skipped.
export function barsToSeries(bars: WireBar[], zone: string, colors = { up: '#16a34a80', down: '#dc262680' }) {
  const byTime = new Map<number, WireBar>()
  for (const bar of bars) {
    const time = toChartTime(bar.ts, zone)
    if (!Number.isFinite(time) || !finite(bar.open, bar.high, bar.low, bar.close)) continue
    byTime.set(time, bar)
  }
  const times = [...byTime.keys()].sort((a, b) => a - b)
  const candles: Candle[] = []
  const volumes: VolumeBar[] = []
  for (const time of times) {
    const bar = byTime.get(time)!
    candles.push({ time, open: bar.open, high: bar.high, low: bar.low, close: bar.close })
    volumes.push({ time, value: typeof bar.volume === 'number' && Number.isFinite(bar.volume) ? bar.volume : 0, color: bar.close >= bar.open ? colors.up : colors.down })
  }
  return { candles, volumes }
}

// Consecutive bars in the same regime, merged into one shaded segment.
export function regimeSegments(history: WireRegimeState[], zone: string): RegimeSegment[] {
  const points = history
    .map((h) => ({ time: toChartTime(h.ts, zone), state: h.state, confidence: h.confidence }))
    .filter((p) => Number.isFinite(p.time) && typeof p.state === 'string')
    .sort((a, b) => a.time - b.time)
  const segments: RegimeSegment[] = []
  for (const point of points) {
    const last = segments[segments.length - 1]
    if (last && last.state === point.state) {
      last.to = point.time
      last.confidence = Math.max(last.confidence, point.confidence)
    } else {
      segments.push({ from: point.time, to: point.time, state: point.state, confidence: point.confidence })
    }
  }
  return segments
}

// Regular sessions by exchange zone, in local minutes after midnight
// (Monday-Friday). Zones not listed trade around the clock. Holidays are not
// known here: on one, the fan's last points fall on the next trading day.
const SESSIONS: Record<string, { open: number; close: number }> = {
  'Asia/Kolkata': { open: 9 * 60 + 15, close: 15 * 60 + 30 },
  'America/New_York': { open: 9 * 60 + 30, close: 16 * 60 },
  'Europe/London': { open: 8 * 60, close: 16 * 60 + 30 },
  'Asia/Tokyo': { open: 9 * 60, close: 15 * 60 },
}

// Chart times (exchange wall-clock, see toChartTime) of the `count` bars after
// `anchor`, skipping nights and weekends, so a fan drawn on them lines up with
// the bars that will fill those slots.
export function futureBarTimes(anchor: number, count: number, stepSeconds: number, zone: string): number[] {
  const session = SESSIONS[zone]
  const times: number[] = []
  const day = 86_400
  let t = anchor
  while (times.length < count) {
    t += stepSeconds
    if (!session) {
      times.push(t)
      continue
    }
    const dayStart = t - (((t % day) + day) % day)
    const weekday = new Date(dayStart * 1000).getUTCDay()
    const minute = (t - dayStart) / 60
    const barEnd = minute + Math.min(stepSeconds, day) / 60
    if (stepSeconds >= day) {
      if (weekday !== 0 && weekday !== 6) times.push(t)
      continue
    }
    if (weekday !== 0 && weekday !== 6 && minute >= session.open && barEnd <= session.close) {
      times.push(t)
      continue
    }
    // Jump to the next day's open (the loop adds one step back).
    const nextOpen = (minute < session.open && weekday !== 0 && weekday !== 6 ? dayStart : dayStart + day) + session.open * 60
    t = nextOpen - stepSeconds
  }
  return times
}

// The prediction as a fan from the last bar's close to the horizon, one point
// per future bar: the expected price moves linearly, each band opens with the
// square root of elapsed time (how uncertainty of a random walk grows),
// reaching the predicted band exactly at the horizon. Null when the prediction
// has no price. `zone` places the points on trading time.
export function predictionFan(prediction: ShownPrediction, anchor: { time: number; close: number }, zone = 'UTC'): FanPoint[] | null {
  if (!finite(prediction.expected_price)) return null
  const step = timeframeMinutes(prediction.timeframe) * 60
  const steps = Math.max(1, Math.round((prediction.horizon_minutes * 60) / step))
  const times = [anchor.time, ...futureBarTimes(anchor.time, steps, step, zone)]
  const bands = prediction.bands
    .filter((b) => finite(b.level, b.lower, b.upper))
    .map((b) => ({ level: b.level, lower: b.lower as number, upper: b.upper as number }))
    .sort((a, b) => b.level - a.level)
  const expectedEnd = prediction.expected_price as number
  const points: FanPoint[] = []
  for (let k = 0; k <= steps; k++) {
    const linear = k / steps
    const spread = Math.sqrt(linear)
    const expected = anchor.close + (expectedEnd - anchor.close) * linear
    points.push({
      time: times[k]!,
      expected,
      bands: bands.map((b) => ({
        level: b.level,
        lower: expected - (expectedEnd - b.lower) * spread,
        upper: expected + (b.upper - expectedEnd) * spread,
      })),
    })
  }
  return points
}

// Past predictions against what happened: the expected price at its target
// time, and the realized price where the drift monitor filled it in.
export function pastPredictionLines(rows: WireLoggedPrediction[], zone: string) {
  const expected: LinePoint[] = []
  const realized: LinePoint[] = []
  let hits = 0
  let judged = 0
  for (const row of rows) {
    const target = typeof row.target_ts === 'string' ? row.target_ts : null
    if (!target) continue
    const time = toChartTime(target, zone)
    if (!Number.isFinite(time)) continue
    if (finite(row.expected_close)) expected.push({ time, value: row.expected_close as number })
    if (finite(row.realized_close)) {
      realized.push({ time, value: row.realized_close as number })
      if (finite(row.lower_80, row.upper_80)) {
        judged++
        const price = row.realized_close as number
        if (price >= (row.lower_80 as number) && price <= (row.upper_80 as number)) hits++
      }
    }
  }
  const dedupe = (points: LinePoint[]) => {
    const map = new Map(points.map((p) => [p.time, p]))
    return [...map.values()].sort((a, b) => a.time - b.time)
  }
  return { expected: dedupe(expected), realized: dedupe(realized), coverage80: judged > 0 ? hits / judged : null }
}

// An indicator preset's named series as chart lines (null values are gaps).
export function indicatorLines(response: { ts: string[]; series: Record<string, (number | null)[]> }, zone: string) {
  const times = response.ts.map((ts) => toChartTime(ts, zone))
  const lines: Record<string, LinePoint[]> = {}
  for (const [name, values] of Object.entries(response.series)) {
    const points: LinePoint[] = []
    values.forEach((value, idx) => {
      const time = times[idx]
      if (time !== undefined && Number.isFinite(time) && typeof value === 'number' && Number.isFinite(value)) {
        points.push({ time, value })
      }
    })
    lines[name] = points
  }
  return lines
}

// Whether an indicator shares the price scale (moving averages, bands) or
// needs its own pane (oscillators).
export function overlaysPrice(name: string): boolean {
  return /^(sma|ema|wma|bb|bollinger|keltner|vwap|donchian|kc|dc)/i.test(name) && !/width|pct|%b/i.test(name)
}

// Applies one live bar to candle data in place semantics: a newer bar is
// appended, the same time replaces, an older one is ignored. Returns the
// candle to hand to series.update() or null.
export function liveCandle(last: Candle | undefined, bar: WireBar, zone: string): Candle | null {
  const time = toChartTime(bar.ts, zone)
  if (!Number.isFinite(time) || !finite(bar.open, bar.high, bar.low, bar.close)) return null
  if (last && time < last.time) return null
  return { time, open: bar.open, high: bar.high, low: bar.low, close: bar.close }
}

// The exchange zone of a series: the server's (GET /api/watchlist), else
// guessed from the symbol's suffix for a series it does not list.
export function seriesZone(symbol: string, watchlist: WireWatchlistEntry[]): string {
  return watchlist.find((entry) => entry.symbol === symbol.toUpperCase())?.timezone ?? exchangeZone(symbol)
}

export interface WatchBadge {
  kind: 'model' | 'no-data' | 'lake'
  text: string
  title: string
}

// What the watchlist shows beside a series: whether a model predicts it, and
// why it is listed when that is not obvious.
export function watchEntryBadges(entry: WireWatchlistEntry): WatchBadge[] {
  const badges: WatchBadge[] = []
  if (entry.model_active) {
    badges.push({ kind: 'model', text: 'model', title: `active model for ${entry.active_horizons.join(', ')} min` })
  }
  if (!entry.in_lake) {
    badges.push({ kind: 'no-data', text: 'no data', title: 'in WATCHLIST, but the lake has no bars for it yet' })
  } else if (entry.source === 'lake') {
    badges.push({ kind: 'lake', text: 'lake', title: 'not in WATCHLIST: found in the lake' })
  }
  return badges
}

export function formatPrice(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(2) : '—'
}

// The latest logged prediction (a gold row) in the shape of a live one, so
// the fan is drawn on page load before anything new is predicted.
export function predictionFromLog(row: WireLoggedPrediction, symbol: string, timeframe: string): ShownPrediction | null {
  const num = (value: number | null) => (finite(value) ? value : null)
  const expected = num(row.expected_close)
  if (expected === null || !Number.isFinite(row.horizon_minutes)) return null
  return {
    symbol,
    timeframe,
    horizon_minutes: row.horizon_minutes,
    regime: row.regime,
    regime_confidence: num(row.regime_confidence) ?? undefined,
    expected_price: expected,
    expected_return: num(row.expected_return),
    last_close: num(row.last_close) ?? undefined,
    bands: [
      { level: 0.5, lower: num(row.lower_50), upper: num(row.upper_50) },
      { level: 0.8, lower: num(row.lower_80), upper: num(row.upper_80) },
      { level: 0.95, lower: num(row.lower_95), upper: num(row.upper_95) },
    ],
    data_last_ts: row.ts,
    degraded: row.degraded,
    experiment_id: row.experiment_id,
  }
}

// Where a prediction's fan starts: the candle it was made from (data_last_ts),
// else the last candle.
export function fanAnchor(candles: Candle[], prediction: ShownPrediction, zone: string): { time: number; close: number } | null {
  if (candles.length === 0) return null
  if (prediction.data_last_ts) {
    const time = toChartTime(prediction.data_last_ts, zone)
    for (let idx = candles.length - 1; idx >= 0 && candles[idx]!.time >= time; idx--) {
      if (candles[idx]!.time === time) return { time, close: candles[idx]!.close }
    }
  }
  const last = candles[candles.length - 1]!
  return { time: last.time, close: last.close }
}
