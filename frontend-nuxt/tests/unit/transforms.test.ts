import { describe, expect, it } from 'vitest'
import {
  REGIME_COLORS,
  REGIME_LABEL_COLORS,
  barsToSeries,
  exchangeZone,
  fanAnchor,
  futureBarTimes,
  indicatorLines,
  liveCandle,
  pastPredictionLines,
  predictionFan,
  predictionFromLog,
  regimeSegments,
  seriesZone,
  watchEntryBadges,
  toChartTime,
  zoneOffsetSeconds,
  type ShownPrediction,
  type WireBar,
  type WireLoggedPrediction,
  type WireWatchlistEntry,
} from '../../utils/transforms'
import { apiErrorFromBody, describeApiError, errorMessage } from '../../utils/api-error'
import { histogramQuantile, parseExposition, qualityBySeries, sumOf } from '../../utils/prometheus'

const IST = 'Asia/Kolkata'
const bar = (ts: string, close: number, extra: Partial<WireBar> = {}): WireBar => ({
  ts, open: close - 1, high: close + 2, low: close - 2, close, volume: 1000, session: 'regular', gap_before: false, ...extra,
})

describe('exchange time', () => {
  it('maps symbols to their exchange zone', () => {
    expect(exchangeZone('TCS.NS')).toBe(IST)
    expect(exchangeZone('RELIANCE.BO')).toBe(IST)
    expect(exchangeZone('AAPL')).toBe('America/New_York')
    expect(exchangeZone('X.ZZ')).toBe('UTC')
  })

  it('shifts UTC to exchange wall-clock time, including daylight saving', () => {
    expect(zoneOffsetSeconds(IST, Date.UTC(2026, 0, 5) / 1000)).toBe(19_800)
    // 03:45 UTC is the NSE open, 09:15 IST: on the chart axis it reads 09:15
    const t = toChartTime('2026-12-01T03:45:00Z', IST)
    expect(new Date(t * 1000).toISOString()).toBe('2026-12-01T09:15:00.000Z')
    expect(zoneOffsetSeconds('America/New_York', Date.UTC(2026, 0, 15) / 1000)).toBe(-5 * 3600)
    expect(zoneOffsetSeconds('America/New_York', Date.UTC(2026, 6, 15) / 1000)).toBe(-4 * 3600)
    expect(Number.isNaN(toChartTime('not a time', IST))).toBe(true)
  })
})

describe('barsToSeries', () => {
  it('sorts, de-duplicates by time (last wins), skips malformed bars and colours volume', () => {
    const { candles, volumes } = barsToSeries(
      [
        bar('2026-12-01T03:50:00Z', 101),
        bar('2026-12-01T03:45:00Z', 100),
        bar('2026-12-01T03:50:00Z', 105),
        bar('garbage', 1),
        { ...bar('2026-12-01T03:55:00Z', 1), high: Number.NaN },
        bar('2026-12-01T04:00:00Z', 99, { open: 102 }),
      ],
      IST,
    )
    expect(candles.map((c) => c.close)).toEqual([100, 105, 99])
    expect(candles[0]!.time).toBeLessThan(candles[1]!.time)
    expect(volumes.map((v) => v.color)).toEqual(['#16a34a80', '#16a34a80', '#dc262680'])
  })

  it('keeps a year of 5-minute bars (~19k) strictly ordered', () => {
    const start = Date.UTC(2025, 11, 1, 3, 45) / 1000
    const bars = Array.from({ length: 19_000 }, (_, idx) => bar(new Date((start + idx * 300) * 1000).toISOString(), 100 + (idx % 50)))
    const { candles } = barsToSeries(bars, IST)
    expect(candles).toHaveLength(19_000)
    expect(candles.every((c, idx) => idx === 0 || c.time > candles[idx - 1]!.time)).toBe(true)
  })
})

describe('liveCandle', () => {
  it('appends newer bars, replaces the forming bar, ignores older ones', () => {
    const last = { time: toChartTime('2026-12-01T03:50:00Z', IST), open: 1, high: 2, low: 0, close: 1 }
    expect(liveCandle(last, bar('2026-12-01T03:55:00Z', 7), IST)?.time).toBeGreaterThan(last.time)
    expect(liveCandle(last, bar('2026-12-01T03:50:00Z', 8), IST)?.close).toBe(8)
    expect(liveCandle(last, bar('2026-12-01T03:45:00Z', 9), IST)).toBeNull()
    expect(liveCandle(undefined, bar('bad', 9), IST)).toBeNull()
  })
})

describe('regimeSegments', () => {
  it('merges consecutive bars of the same regime into shaded segments', () => {
    const segments = regimeSegments(
      [
        { ts: '2026-12-01T03:45:00Z', state: 'trending_up', confidence: 0.6 },
        { ts: '2026-12-01T03:50:00Z', state: 'trending_up', confidence: 0.8 },
        { ts: '2026-12-01T03:55:00Z', state: 'volatile', confidence: 0.5 },
        { ts: '2026-12-01T04:00:00Z', state: 'trending_up', confidence: 0.7 },
      ],
      IST,
    )
    expect(segments.map((s) => s.state)).toEqual(['trending_up', 'volatile', 'trending_up'])
    expect(segments[0]!.to - segments[0]!.from).toBe(300)
    expect(segments[0]!.confidence).toBe(0.8)
    expect(regimeSegments([], IST)).toEqual([])
  })
})

const prediction: ShownPrediction = {
  symbol: 'TCS.NS', timeframe: '5m', horizon_minutes: 180, regime: 'range_bound', expected_price: 110,
  bands: [
    { level: 0.5, lower: 108, upper: 112 },
    { level: 0.95, lower: 100, upper: 120 },
    { level: 0.8, lower: 105, upper: 115 },
    { level: 0.99, lower: null, upper: null },
  ],
  degraded: false, data_last_ts: '2026-12-01T09:00:00Z',
}

describe('predictionFan', () => {
  it('runs from the anchor close to the predicted bands at the horizon, one point per bar, bands nested', () => {
    const fan = predictionFan(prediction, { time: 1000, close: 100 })!
    expect(fan).toHaveLength(37) // 180 / 5 + the anchor
    expect(fan[0]!.expected).toBe(100)
    expect(fan[0]!.bands.every((b) => b.lower === 100 && b.upper === 100)).toBe(true)
    const end = fan[36]!
    expect(end.time).toBe(1000 + 180 * 60)
    expect(end.expected).toBeCloseTo(110)
    expect(end.bands.map((b) => b.level)).toEqual([0.95, 0.8, 0.5])
    expect(end.bands.map((b) => [b.lower, b.upper])).toEqual([[100, 120], [105, 115], [108, 112]])
    for (const point of fan) {
      const [b95, b80, b50] = point.bands
      expect(b95!.lower).toBeLessThanOrEqual(b80!.lower)
      expect(b80!.lower).toBeLessThanOrEqual(b50!.lower)
      expect(b50!.upper).toBeLessThanOrEqual(b80!.upper)
    }
    // the fan widens as time passes
    const width = (idx: number) => fan[idx]!.bands[0]!.upper - fan[idx]!.bands[0]!.lower
    expect(width(9)).toBeLessThan(width(18))
    expect(width(18)).toBeLessThan(width(36))
  })

  it('steps over nights and weekends on the exchange clock', () => {
    // Friday 2026-12-04 15:20 IST (chart time), 5-minute bars, 4 bars ahead:
    // 15:25 closes the session, then Monday 09:15, 09:20, 09:25.
    const friday1520 = toChartTime('2026-12-04T09:50:00Z', IST)
    const times = futureBarTimes(friday1520, 4, 300, IST).map((t) => new Date(t * 1000).toISOString().slice(0, 16))
    expect(times).toEqual(['2026-12-04T15:25', '2026-12-07T09:15', '2026-12-07T09:20', '2026-12-07T09:25'])
    // Before the open the same day: the open is the next bar.
    const monday0800 = Date.UTC(2026, 11, 7, 8, 0) / 1000
    expect(new Date(futureBarTimes(monday0800, 1, 900, IST)[0]! * 1000).toISOString().slice(11, 16)).toBe('09:15')
    // Around the clock where no session is known; daily bars skip weekends.
    expect(futureBarTimes(0, 3, 60, 'UTC')).toEqual([60, 120, 180])
    const friday = Date.UTC(2026, 11, 4) / 1000
    expect(futureBarTimes(friday, 2, 86_400, IST).map((t) => new Date(t * 1000).getUTCDay())).toEqual([1, 2])
    // The fan uses them: 36 bars from Friday's last bar end on Monday at 12:10 IST,
    // the gold log's target_ts for such a prediction (06:40Z).
    const fan = predictionFan(prediction, { time: toChartTime('2026-12-04T09:55:00Z', IST), close: 100 }, IST)!
    expect(new Date(fan[36]!.time * 1000).toISOString().slice(0, 16)).toBe('2026-12-07T12:10')
  })

  it('is absent without an expected price', () => {
    expect(predictionFan({ ...prediction, expected_price: null }, { time: 0, close: 1 })).toBeNull()
  })

  it('anchors at the candle the prediction was made from', () => {
    const candles = ['08:50', '08:55', '09:00', '09:05'].map((hm, idx) => ({
      time: toChartTime(`2026-12-01T${hm}:00Z`, IST), open: 1, high: 1, low: 1, close: 10 + idx,
    }))
    expect(fanAnchor(candles, prediction, IST)).toEqual({ time: candles[2]!.time, close: 12 })
    expect(fanAnchor(candles, { ...prediction, data_last_ts: undefined }, IST)?.close).toBe(13)
    expect(fanAnchor([], prediction, IST)).toBeNull()
  })
})

describe('logged predictions', () => {
  // A gold row as GET /api/predictions answers it: every column, nulls explicit.
  const logRow = (row: Partial<WireLoggedPrediction> & { ts: string; target_ts: string }): WireLoggedPrediction => ({
    horizon_minutes: 180, last_close: 100, expected_close: null, expected_return: 0.001, lower_50: null, upper_50: null,
    lower_80: null, upper_80: null, lower_95: null, upper_95: null, regime: 'volatile', regime_confidence: 0.7,
    weights_json: '{"naive":1}', experiment_id: 'exp-1', degraded: false, realized_close: null, ...row,
  })
  const rows: WireLoggedPrediction[] = [
    logRow({ ts: '2026-12-01T04:00:00Z', target_ts: '2026-12-01T07:00:00Z', horizon_minutes: 180, expected_close: 101, realized_close: 103, lower_80: 99, upper_80: 104, lower_50: 100, upper_50: 102, lower_95: 97, upper_95: 106, regime: 'volatile', degraded: false }),
    logRow({ ts: '2026-12-01T04:05:00Z', target_ts: '2026-12-01T07:05:00Z', horizon_minutes: 180, expected_close: 102, realized_close: 110, lower_80: 99, upper_80: 104, lower_50: null, upper_50: null, lower_95: null, upper_95: null, regime: 'volatile', degraded: true }),
    logRow({ ts: '2026-12-01T04:10:00Z', target_ts: '2026-12-01T07:10:00Z', horizon_minutes: 180, expected_close: 103, realized_close: null, lower_80: 99, upper_80: 104, regime: 'volatile', degraded: false }),
  ]

  it('draws predicted against realized at the target time and measures 80% coverage', () => {
    const past = pastPredictionLines(rows, IST)
    expect(past.expected.map((p) => p.value)).toEqual([101, 102, 103])
    expect(past.realized.map((p) => p.value)).toEqual([103, 110])
    expect(past.coverage80).toBe(0.5)
    expect(pastPredictionLines([], IST).coverage80).toBeNull()
  })

  it('turns the newest log row into a prediction for the fan', () => {
    const p = predictionFromLog(rows[0]!, 'TCS.NS', '5m')!
    expect(p.expected_price).toBe(101)
    expect(p.bands).toEqual([
      { level: 0.5, lower: 100, upper: 102 },
      { level: 0.8, lower: 99, upper: 104 },
      { level: 0.95, lower: 97, upper: 106 },
    ])
    expect(predictionFromLog(rows[1]!, 'TCS.NS', '5m')!.degraded).toBe(true)
    expect(predictionFromLog(logRow({ ts: '2026-12-01T04:00:00Z', target_ts: '2026-12-01T07:00:00Z' }), 'TCS.NS', '5m')).toBeNull()
  })
})

describe('indicatorLines and watchlist', () => {
  it('keeps finite values as points and nulls as gaps', () => {
    const lines = indicatorLines(
      { ts: ['2026-12-01T03:45:00Z', '2026-12-01T03:50:00Z', '2026-12-01T03:55:00Z'], series: { sma_20: [null, 1, 2], rsi_14: [50, null, 60] } },
      IST,
    )
    expect(lines.sma_20!.map((p) => p.value)).toEqual([1, 2])
    expect(lines.rsi_14!.map((p) => p.value)).toEqual([50, 60])
  })

})

describe('watchlist', () => {
  const entry = (over: Partial<WireWatchlistEntry>): WireWatchlistEntry => ({
    symbol: 'TCS.NS', timeframe: '5m', source: 'watchlist', in_lake: true, exchange: 'NSE', timezone: IST,
    model_active: false, active_horizons: [], ...over,
  })

  it("takes the exchange zone from the server's list, else guesses from the suffix", () => {
    const list = [entry({ symbol: 'VOD.L', exchange: 'NYSE', timezone: 'America/New_York' })]
    expect(seriesZone('VOD.L', list)).toBe('America/New_York')
    expect(seriesZone('vod.l', list)).toBe('America/New_York')
    expect(seriesZone('VOD.L', [])).toBe('Europe/London')
    expect(seriesZone('INFY.NS', list)).toBe(IST)
  })

  it('marks active models, series without bars and series found only in the lake', () => {
    expect(watchEntryBadges(entry({}))).toEqual([])
    const withModel = watchEntryBadges(entry({ model_active: true, active_horizons: [60, 180] }))
    expect(withModel.map((b) => b.kind)).toEqual(['model'])
    expect(withModel[0]!.title).toBe('active model for 60, 180 min')
    expect(watchEntryBadges(entry({ in_lake: false })).map((b) => b.text)).toEqual(['no data'])
    expect(watchEntryBadges(entry({ source: 'lake', model_active: true, active_horizons: [180] })).map((b) => b.kind))
      .toEqual(['model', 'lake'])
  })
})

describe('API errors', () => {
  it('reads the error envelope into a sentence naming the field', () => {
    const error = apiErrorFromBody(422, '{"error":{"code":"invalid_argument","message":"must sum to 1, got 0.9","field":"families"}}')
    expect(error.status).toBe(422)
    expect(error.field).toBe('families')
    expect(error.message).toBe('Invalid value in “families”: must sum to 1, got 0.9')
    expect(apiErrorFromBody(404, '{"error":{"code":"not_found","message":"no bars for TCS.NS 5m"}}').message).toBe(
      'Not found: no bars for TCS.NS 5m',
    )
  })

  it('copes with bodies that are not the envelope', () => {
    expect(apiErrorFromBody(502, '<html><body><h1>Bad gateway</h1></body></html>').message).toBe('Server error: Bad gateway')
    expect(apiErrorFromBody(418, '').message).toBe('Request failed (HTTP 418)')
    expect(describeApiError(401, 'unauthorized', 'needs a token')).toBe('API token needed (enter it on the Models page): needs a token')
    expect(errorMessage(new TypeError('Failed to fetch'))).toMatch(/did not answer/)
  })
})

describe('prometheus', () => {
  const text = [
    '# HELP websocket_connections_active Websocket connections currently open.',
    '# TYPE websocket_connections_active gauge',
    'websocket_connections_active 3',
    'websocket_connections_total 10',
    'prediction_latency_seconds_bucket{symbol="TCS.NS",le="0.01"} 2',
    'prediction_latency_seconds_bucket{symbol="TCS.NS",le="0.1"} 8',
    'prediction_latency_seconds_bucket{symbol="TCS.NS",le="+Inf"} 10',
    'prediction_quality_metric{symbol="TCS.NS",timeframe="5m",metric="mape"} 0.012',
    'prediction_quality_metric{symbol="TCS.NS",timeframe="5m",metric="coverage_80"} 0.81',
    'regimecast_errors_total{code="not_found"} 4',
    'regimecast_errors_total{code="invalid_argument"} 1',
    'broken line here',
  ].join('\n')

  it('sums counters and gauges, finds quantiles, groups quality by series', () => {
    const samples = parseExposition(text)
    expect(sumOf(samples, 'websocket_connections_active')).toBe(3)
    expect(sumOf(samples, 'regimecast_errors_total')).toBe(5)
    expect(sumOf(samples, 'regimecast_errors_total', { code: 'not_found' })).toBe(4)
    expect(sumOf(samples, 'nothing')).toBeNull()
    expect(histogramQuantile(samples, 'prediction_latency_seconds', 0.5)).toBeCloseTo(0.01 + 0.09 * (3 / 6))
    expect(histogramQuantile(samples, 'prediction_latency_seconds', 0.95)).toBe(0.1)
    expect(histogramQuantile([], 'prediction_latency_seconds', 0.5)).toBeNull()
    expect(qualityBySeries(samples)).toEqual({ 'TCS.NS 5m': { mape: 0.012, coverage_80: 0.81 } })
  })
})

describe('regime label colours', () => {
  // WCAG 2 relative luminance and contrast ratio.
  const luminance = (hex: string) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) =>
      c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
  }
  const contrastWithWhite = (hex: string) => 1.05 / (luminance(hex) + 0.05)

  it('keep white text readable (AA, 4.5:1) for every regime', () => {
    for (const [regime, colour] of Object.entries(REGIME_LABEL_COLORS)) {
      expect(contrastWithWhite(colour), regime).toBeGreaterThanOrEqual(4.5)
    }
    expect(Object.keys(REGIME_LABEL_COLORS).sort()).toEqual(Object.keys(REGIME_COLORS).sort())
  })
})
