// The forecast-quality panel of the Models page: what it makes of a backtest
// summary (GET /api/models/backtest) and of a training run's out-of-fold
// numbers, and what it renders (Vue's server renderer, no DOM).
import { describe, expect, it } from 'vitest'
import { createSSRApp, h } from 'vue'
import { renderToString } from 'vue/server-renderer'
import BacktestPanel from '../../components/BacktestPanel.vue'
import {
  adaptiveRows, bandGain, bandMethodRows, coverageRows, directional, extraFields, familyRows, headline, independentOutcomes,
  minJudgedCount, offBeyondNoise, pooledView, randomWalkVerdict, regimeMeaning, viewOfBacktest, viewOfTraining,
  type BacktestSummary, type ExperimentRecord,
} from '../../utils/backtest-view'

const bands = (cov: [number, number, number], width = 0.01) =>
  [0.5, 0.8, 0.95].map((level, i) => ({ level, coverage: cov[i]!, mean_width: width * (i + 1), interval_score: 0.03 }))
const metrics = (mape: number, cov: [number, number, number], n = 1000) =>
  ({ n, mape, rmse: mape * 1.3, mae: mape, directional_accuracy: 0.52, bands: bands(cov) })
const skill = (dm: number, p: number, equals = false, df = 12) =>
  ({ n: 900, mean_loss_diff: dm / 1000, dm_stat: dm, df, p_value: p, equals_naive: equals })

function summary(over: Partial<Record<string, unknown>> = {}): BacktestSummary {
  return {
    symbol: 'TCS.NS', timeframe: '5m', horizon_minutes: 180, predictions: 1890,
    from: '2021-07-01T03:45:00Z', to: '2021-08-31T10:00:00Z', retrain_every: 500, folds: 3, min_train_rows: 500,
    finished_at: '2026-12-05T20:00:00Z',
    model: metrics(0.0098, [0.568, 0.84, 0.96]),
    naive: metrics(0.01, [0.42, 0.63, 0.77]),
    model_unscaled_bands: metrics(0.0098, [0.44, 0.74, 0.89]),
    mape_ratio: 0.98,
    directional_accuracy: { value: 0.556, ci95_low: 0.521, ci95_high: 0.591, n: 1890 },
    model_vs_naive: skill(2.4, 0.008),
    families: [
      { family: 'naive', skill_vs_naive: skill(0, 1, true), no_signal: false, pooled_weight: 0.6, gated_out: '' },
      { family: 'ridge', skill_vs_naive: skill(3.4, 0.0003), no_signal: false, pooled_weight: 0.4, gated_out: '' },
      { family: 'mean_reversion', skill_vs_naive: skill(0, 1, true), no_signal: true, pooled_weight: 0, gated_out: 'no signal: forecasts equal naive' },
      { family: 'gbdt', skill_vs_naive: skill(-1.2, 0.88), no_signal: false, pooled_weight: 0, gated_out: 'no evidence of skill vs naive' },
    ],
    no_signal: ['mean_reversion', 'trend'],
    regime_meaning: { states: {}, volatile_to_range_vol: 1.6, trending: { n: 10 } },
    adaptive_levels: {},
    regimes: {
      volatile: { model: metrics(0.015, [0.47, 0.78, 0.93], 300), naive: metrics(0.016, [0.4, 0.6, 0.7], 300), mape_ratio: 0.94 },
      range_bound: { model: metrics(0.006, [0.6, 0.9, 0.99], 400), naive: metrics(0.006, [0.5, 0.7, 0.9], 400), mape_ratio: 1.0 },
      trending_down: { model: metrics(0.01, [0.0, 0.33, 1.0], 3), naive: metrics(0.01, [0.0, 0.33, 1.0], 3), mape_ratio: 1.0 },
      unknown: { model: { n: 0, bands: [] } },
    },
    horizon_bars: 36, retrains: 4, degraded_rows: 0,
    ...over,
  } as BacktestSummary
}

type PanelProps = InstanceType<typeof BacktestPanel>['$props']

async function render(props: PanelProps) {
  return renderToString(createSSRApp({ render: () => h(BacktestPanel, props) }))
}

describe('backtest view', () => {
  it('judges the ensemble against the random walk from the MAPE ratio', () => {
    expect(randomWalkVerdict(0.98)).toBe('beats')
    expect(randomWalkVerdict(1)).toBe('ties')
    expect(randomWalkVerdict(1.007)).toBe('loses')
    expect(randomWalkVerdict(null)).toBe('unknown')
    const h = headline(summary())
    expect(h).toMatchObject({ ratio: 0.98, verdict: 'beats', ensembleMape: 0.0098, naiveMape: 0.01, dmStat: 2.4, df: 12, predictions: 1890 })
    expect(headline(summary({ mape_ratio: null })).verdict).toBe('unknown')
  })

  it('gives every family a verdict, no-signal ones marked, and keeps names it does not know', () => {
    const rows = familyRows(summary({
      families: [
        ...summary().families,
        { family: 'pooled_global', skill_vs_naive: skill(2.9, 0.002, false, 26), no_signal: false, pooled_weight: 0.25, gated_out: '' },
      ],
    }))
    const verdicts = Object.fromEntries(rows.map((r) => [r.family, r.verdict]))
    expect(verdicts).toEqual({
      naive: 'baseline', ridge: 'skill', mean_reversion: 'no signal', gbdt: 'no evidence',
      pooled_global: 'skill', trend: 'no signal',  // trend: only in no_signal (an earlier retrain)
    })
    expect(rows.find((r) => r.family === 'pooled_global')).toMatchObject({ weight: 0.25, dmStat: 2.9, df: 26 })
    expect(rows.find((r) => r.family === 'trend')).toMatchObject({ weight: null, dmStat: null, df: null })
  })

  it('measures coverage against nominal: ±2 points overall, ±5 per regime, empty regimes left out', () => {
    const rows = coverageRows(summary())
    expect(rows.map((r) => r.scope)).toEqual(['overall', 'volatile', 'range_bound', 'trending_down'])
    const overall = rows[0]!.cells
    expect(overall.map((c) => c.withinTarget)).toEqual([false, false, true])  // 56.8 and 84.0 too wide; 96.0 within 2
    expect(overall[0]!.offPoints).toBeCloseTo(6.8, 6)
    expect(overall[1]!.meanWidth).toBeCloseTo(0.02, 9)
    // 300 outcomes judge 80 and 95 % (78 vs 80, 93 vs 95: within 5), not 50 % (385 needed).
    expect(rows[1]!.cells.map((c) => c.withinTarget)).toEqual([null, true, true])
    expect(rows[2]!.cells.map((c) => c.withinTarget)).toEqual([false, false, true])  // 400 outcomes; 60 and 90: 10 points off
    // Three outcomes say nothing about calibration: shown, not judged.
    expect(rows[3]!.cells.map((c) => c.withinTarget)).toEqual([null, null, null])
    expect(rows[3]!.cells[1]!.coverage).toBeCloseTo(0.33, 9)
  })

  it('calls a band off target miscalibrated only beyond the noise of its overlapping outcomes', () => {
    // 1000 forecasts 36 bars ahead: about 28 independent outcomes, a 50 % band's standard error 9.5 points.
    expect(independentOutcomes(1000, 36)).toBeCloseTo(27.78, 2)
    expect(independentOutcomes(5, 0)).toBe(5)
    expect(offBeyondNoise(0.068, 0.5, 27.78)).toBe(false)  // 6.8 points < 1.96 × 9.5
    expect(offBeyondNoise(0.2, 0.5, 27.78)).toBe(true)
    expect(offBeyondNoise(0.068, 0.5, 1000)).toBe(true)  // the same miss over 1000 independent outcomes
    expect(offBeyondNoise(0.3, 0.5, 0)).toBe(false)  // nothing to judge from
    const overall = (h: number) => coverageRows(summary({ horizon_bars: h }))[0]!.cells
    // 56.8 / 84.0 / 96.0: the first two off the ±2 target, the third within it.
    expect(overall(36).map((c) => [c.withinTarget, c.beyondNoise])).toEqual([[false, false], [false, false], [true, null]])
    expect(overall(1).map((c) => [c.withinTarget, c.beyondNoise])).toEqual([[false, true], [false, true], [true, null]])
    // Regime parts: range_bound (400 outcomes) is 10 points off at 50 and 80 %; unjudged cells stay null.
    const parts = coverageRows(summary({ horizon_bars: 6 }))
    expect(parts[2]!.cells.map((c) => c.beyondNoise)).toEqual([false, true, null])  // 67 independent: 1.96 SE 12.0 / 9.6 points
    expect(parts[3]!.cells.map((c) => c.beyondNoise)).toEqual([null, null, null])
  })

  it('judges a regime level only from as many outcomes as the docs and the black-box test', () => {
    // tests/ml/nse_data.py min_judged_count: n >= 1.96² L(1 - L) / 0.05².
    expect([0.5, 0.8, 0.95].map((l) => minJudgedCount(l))).toEqual([385, 246, 73])
    expect(minJudgedCount(0.8, 0.02)).toBe(1537)
    const at = (n: number) => coverageRows(summary({
      regimes: { volatile: { model: metrics(0.015, [0.3, 0.6, 0.8], n) } },
    }))[1]!.cells.map((c) => c.withinTarget)
    expect(at(72)).toEqual([null, null, null])
    expect(at(73)).toEqual([null, null, false])
    expect(at(246)).toEqual([null, false, false])
    expect(at(385)).toEqual([false, false, false])
  })

  it('gives each family its own MAPE ratio and directional accuracy when the backtest has them', () => {
    const da = (value: number, low: number, high: number) =>
      ({ value, ci95_low: low, ci95_high: high, wilson95_low: low, wilson95_high: high, n_effective: 60, n: 1890 })
    const rows = familyRows(summary({
      family_forecasts: [
        { family: 'ridge', n: 1890, mape: 0.0099, naive_mape: 0.01, mape_ratio: 0.99, directional_accuracy: da(0.55, 0.51, 0.59) },
        { family: 'trend', n: 1890, mape: 0.0103, naive_mape: 0.01, mape_ratio: 1.03, directional_accuracy: da(0.48, 0.44, 0.52) },
      ],
    }))
    const by = Object.fromEntries(rows.map((r) => [r.family, r]))
    expect(by.ridge).toMatchObject({ mapeRatio: 0.99, directional: { value: 0.55, low: 0.51, high: 0.59 } })
    expect(by.trend).toMatchObject({ verdict: 'no signal', mapeRatio: 1.03 })  // named only in no_signal, still measured
    expect(by.gbdt).toMatchObject({ mapeRatio: null, directional: null })
    expect(extraFields(summary({ family_forecasts: [] }))).toEqual([])
  })

  it('shows the forecasts within the session and across a break apart, each judged like a regime', () => {
    const rows = coverageRows(summary({
      model_by_break: {
        within_session: metrics(0.009, [0.51, 0.83, 0.97], 1014),
        across_break: metrics(0.011, [0.3, 0.55, 0.8], 900),
      },
    }))
    expect(rows.map((r) => r.scope)).toEqual(['overall', 'within_session', 'across_break', 'volatile', 'range_bound', 'trending_down'])
    expect(rows[1]).toMatchObject({ n: 1014 })
    expect(rows[1]!.cells.map((c) => c.withinTarget)).toEqual([true, true, true])
    expect(rows[2]!.cells.map((c) => c.withinTarget)).toEqual([false, false, false])  // the gap: 25 points short at 80 %
    expect(rows[2]!.cells[1]!.offPoints).toBeCloseTo(-25, 6)
    // An empty group (a market that never pauses) is left out, and the field is not "unknown".
    const round_the_clock = summary({ model_by_break: { within_session: metrics(0.009, [0.5, 0.8, 0.95]), across_break: { n: 0, bands: [] } } })
    expect(coverageRows(round_the_clock).map((r) => r.scope)).toEqual(['overall', 'within_session', 'volatile', 'range_bound', 'trending_down'])
    expect(extraFields(round_the_clock)).toEqual([])
  })

  it('reads directional accuracy with its interval, and says when it beats a coin', () => {
    expect(directional(summary())).toMatchObject({ value: 0.556, low: 0.521, high: 0.591, vsChance: 'better' })
    expect(directional(summary({ directional_accuracy: { value: 0.5, ci95_low: 0.47, ci95_high: 0.53, n: 9 } })).vsChance).toBe('undecided')
    expect(directional(summary({ directional_accuracy: { value: null, ci95_low: null, ci95_high: null, n: 0 } })).vsChance).toBe('unknown')
  })

  it('hands back fields it does not know, untouched', () => {
    const extra = { directional_by_horizon: { '15': { value: 0.53, ci95_low: 0.5, ci95_high: 0.56 } } }
    expect(extraFields(summary(extra))).toEqual([['directional_by_horizon', extra.directional_by_horizon]])
    expect(extraFields(summary())).toEqual([])
  })

  it('says whether the regimes mean what their names say, in the order of the glossary', () => {
    const state = (n: number, vol: number, ret: number, agree: number | null = null, z: number | null = null) =>
      ({ n, forward_vol: vol, forward_return: ret, sign_agreement: agree, sign_z: z })
    const meaning = regimeMeaning(summary({
      regime_meaning: {
        states: {
          volatile: state(300, 0.0021, -0.0003), range_bound: state(700, 0.0011, 0.0001),
          trending_down: state(120, 0.0014, -0.0006, 0.55, 1.2), trending_up: state(150, 0.0013, 0.0008, 0.6, 2.3),
          unknown: state(0, 0, 0),
        },
        volatile_to_range_vol: 2.1 / 1.1,
        trending: state(270, 0.00135, 0.0001, 0.578, 2.05),
      },
    }))!
    // Glossary order; a state never reported is left out.
    expect(meaning.rows.map((r) => r.state)).toEqual(['trending_up', 'trending_down', 'range_bound', 'volatile'])
    expect(meaning.rows[0]).toMatchObject({ n: 150, forwardVol: 0.0013, signAgreement: 0.6, signZ: 2.3 })
    expect(meaning.volatilityRatio).toBeCloseTo(1.909, 3)
    expect(meaning.volatilityVerdict).toBe('met')
    expect(meaning.trendingVerdict).toBe('better')  // z 2.05 > 1.96
    expect(meaning.trending).toMatchObject({ n: 270, signAgreement: 0.578 })

    const weak = regimeMeaning(summary({ regime_meaning: { states: {}, volatile_to_range_vol: 1.3, trending: state(40, 0.001, 0, 0.52, 0.4) } }))!
    expect(weak.volatilityVerdict).toBe('missed')
    expect(weak.trendingVerdict).toBe('undecided')
    expect(regimeMeaning(summary({ regime_meaning: { states: {}, volatile_to_range_vol: 1, trending: state(40, 0.001, 0, 0.4, -2.5) } }))!.trendingVerdict).toBe('worse')
    // No volatile or no range_bound state: no ratio (null in the JSON), no verdict; no trending state: none either.
    const none = regimeMeaning(summary({ regime_meaning: { states: {}, volatile_to_range_vol: null, trending: { n: 0 } } }))!
    expect(none).toMatchObject({ volatilityRatio: null, volatilityVerdict: 'unknown', trending: null, trendingVerdict: 'unknown' })
    expect(regimeMeaning(summary({ regime_meaning: undefined }))).toBeNull()
  })

  it('sets the served bands beside the reference and unscaled methods, with the interval score change', () => {
    const scored = (cov: [number, number, number], width: number, score: [number, number, number], n = 1000) =>
      ({ ...metrics(0.0098, cov, n), bands: [0.5, 0.8, 0.95].map((level, i) => ({ level, coverage: cov[i]!, mean_width: width * (i + 1), interval_score: score[i]! })) })
    const s = summary({
      model: scored([0.51, 0.79, 0.95], 0.01, [0.02, 0.03, 0.04]),
      model_reference_bands: scored([0.55, 0.83, 0.96], 0.011, [0.021, 0.032, 0.05]),
      model_unscaled_bands: scored([0.44, 0.74, 0.89], 0.009, [0.025, 0.04, 0.07]),
      reference_gamma: 0.005,
    })
    const rows = bandMethodRows(s)
    expect(rows.map((r) => r.method)).toEqual(['served', 'reference', 'unscaled'])
    expect(rows[1]!.label).toContain('ACI step 0.005')
    expect(rows[0]!.cells.map((c) => c.withinTarget)).toEqual([true, true, true])
    expect(rows[1]!.cells.map((c) => c.withinTarget)).toEqual([false, false, true])  // 55 and 83: judged ±2 like the served bands
    expect(rows[2]!.cells[2]!.intervalScore).toBeCloseTo(0.07, 9)
    const at95 = bandGain(rows, 0.95)
    expect(at95.score).toBeCloseTo(0.04 / 0.05 - 1, 9)  // -20 %: the served bands score better
    expect(at95.width).toBeCloseTo(0.03 / 0.033 - 1, 9)
    // Without the reference method (an older summary): the served row alone, and no change to report.
    const old = bandMethodRows(summary({ model_unscaled_bands: { n: 0, bands: [] } }))
    expect(old.map((r) => r.method)).toEqual(['served'])
    expect(bandGain(old, 0.95)).toEqual({ score: null, width: null })
    expect(extraFields(s)).toEqual([])
  })

  it('reads the adaptive levels per regime and the pooled model part', () => {
    const rows = adaptiveRows(summary({ adaptive_levels: { volatile: [0.53, 0.82, 0.96], trending_up: [0.5, 0.8, 0.95], neutral: [] } }))
    expect(rows).toEqual([{ regime: 'trending_up', levels: [0.5, 0.8, 0.95] }, { regime: 'volatile', levels: [0.53, 0.82, 0.96] }])
    const on = pooledView(summary({
      pooled: { enabled: true, learner: 'ridge', series: ['INFY.NS', 'RELIANCE.NS', 'TCS.NS'], blocks: 6, fitted_blocks: 5, last_train_rows: 9000, last_model: { alpha: 1 } },
    }))
    expect(on).toEqual({
      enabled: true, learner: 'ridge', series: ['INFY.NS', 'RELIANCE.NS', 'TCS.NS'], blocks: 6, fittedBlocks: 5, lastTrainRows: 9000,
    })
    expect(pooledView(summary({ pooled: { enabled: false } }))).toMatchObject({ enabled: false, learner: null, series: [], blocks: null })
    expect(pooledView(summary())).toBeNull()
  })

  it('builds the same view from a training run, without the skill statistics', () => {
    const record = {
      id: 'exp-1', created_at: '2026-12-05T19:00:00Z', families: ['naive', 'ridge', 'trend'],
      gating: { pooled: { weights: { naive: 0.7, ridge: 0.3 }, gated_out: { trend: 'no signal: forecasts equal naive' }, source: 'pooled' }, per_regime: {} },
      metrics: {
        ensemble: { overall: metrics(0.0102, [0.527, 0.821, 0.949], 1674), regimes: { volatile: metrics(0.02, [0.5, 0.8, 0.95], 200) }, folds: [] },
        naive: { overall: metrics(0.01, [0.4, 0.6, 0.7], 1674), regimes: {}, folds: [] },
      },
    } as unknown as ExperimentRecord
    const view = viewOfTraining(record)!
    expect(view.source).toBe('training')
    expect(view.headline.ratio).toBeCloseTo(1.02, 9)
    expect(view.headline.verdict).toBe('loses')
    expect(Object.fromEntries(view.families.map((f) => [f.family, f.verdict]))).toEqual({ naive: 'baseline', ridge: 'skill', trend: 'no signal' })
    expect(view.coverage.map((r) => r.scope)).toEqual(['overall', 'volatile'])
    expect(view.directional.low).toBeNull()
    expect(viewOfTraining({ ...record, metrics: {} } as ExperimentRecord)).toBeNull()
  })
})

describe('BacktestPanel', () => {
  it('renders the verdict, the families with NO SIGNAL marked, coverage per regime and unknown fields', async () => {
    const html = await render({
      view: viewOfBacktest(summary({ pooled_family: { name: 'global', mape_ratio: 0.97 } })),
      series: 'TCS.NS 5m +180m',
    })
    expect(html).toMatch(/data-testid="mape-ratio"[^>]*>0\.9800</)
    expect(html).toContain('beats the random walk')
    expect(html).toContain('95% CI 52.1% – 59.1%; better than a coin flip')
    expect(html).toMatch(/data-family="mean_reversion" data-verdict="no signal"[\s\S]*?NO SIGNAL/)
    expect(html).toMatch(/data-family="ridge" data-verdict="skill"[\s\S]*?40\.0%/)
    expect(html).toMatch(/data-scope="volatile"[\s\S]*?47\.0%/)
    // 6.8 points off over ~28 independent 180-minute outcomes: off target, within noise.
    expect(html).toMatch(/class="noise num" title="outside the target, but within the sampling noise[^"]*" data-level="0.5"[^>]*>56\.8% <small[^>]*>\(\+6\.8 pt\)/)
    expect(html).toMatch(/class="good num" data-level="0.95"[^>]*>96\.0%/)
    expect(html).toMatch(/data-family="ridge"[\s\S]*?<td class="num"[^>]*>&lt;0\.001</)
    expect(html).toMatch(/data-family="ridge"[\s\S]*?data-testid="family-df"[^>]*>12</)
    expect(html).toContain('(one-sided, t with 12 df)')
    expect(html).toContain('data-testid="backtest-extra"')
    expect(html).toContain('pooled_family')
    expect(html).toContain('Walk-forward backtest')
    expect(html).toContain('Run backtest')
    expect(html).toContain('judged from 385 / 246 / 73 at 50 / 80 / 95 %')
    expect(html).not.toContain('MAPE ratio alone')  // no family_forecasts in this summary
    const oneBarAhead = await render({ view: viewOfBacktest(summary({ horizon_bars: 1 })) })
    expect(oneBarAhead).toMatch(/class="bad num" title="outside the target by more than sampling noise: miscalibrated" data-level="0.5"[^>]*>56\.8%/)
  })

  it('renders the regime meaning, the band methods, the adaptive levels and the pooled part', async () => {
    const scored = (cov: [number, number, number], score: [number, number, number]) =>
      ({ ...metrics(0.0098, cov), bands: [0.5, 0.8, 0.95].map((level, i) => ({ level, coverage: cov[i]!, mean_width: 0.01 * (i + 1), interval_score: score[i]! })) })
    const html = await render({
      view: viewOfBacktest(summary({
        model: scored([0.51, 0.79, 0.95], [0.02, 0.03, 0.04]),
        model_reference_bands: scored([0.55, 0.83, 0.96], [0.02, 0.03, 0.05]),
        reference_gamma: 0.005,
        adaptive_levels: { volatile: [0.531, 0.82, 0.96] },
        regime_meaning: {
          states: {
            volatile: { n: 300, forward_vol: 0.0021, forward_return: -0.0003 },
            trending_up: { n: 150, forward_vol: 0.0013, forward_return: 0.0008, sign_agreement: 0.6, sign_z: 2.3 },
          },
          volatile_to_range_vol: 1.24,
          trending: { n: 150, forward_vol: 0.0013, forward_return: 0.0008, sign_agreement: 0.6, sign_z: 2.3 },
        },
        pooled: { enabled: true, learner: 'ridge', series: ['INFY.NS', 'TCS.NS'], blocks: 6, fitted_blocks: 5, last_train_rows: 9000 },
      })),
    })
    expect(html).toMatch(/data-testid="volatility-ratio" data-verdict="missed"[\s\S]*?1\.24×/)
    expect(html).toMatch(/data-testid="trend-sign" data-verdict="better"[\s\S]*?60\.0%[\s\S]*?z = 2\.30[\s\S]*?more often than chance/)
    expect(html).toMatch(/data-state="trending_up"[\s\S]*?0\.130%[\s\S]*?\+0\.080%[\s\S]*?60\.0%[\s\S]*?2\.30/)
    expect(html).toMatch(/data-state="volatile"[\s\S]*?−0\.030%/)
    expect(html).toMatch(/data-method="reference"[\s\S]*?ACI step 0\.005/)
    expect(html).toMatch(/data-testid="band-gain"[\s\S]*?data-level="0.95"[\s\S]*?−20\.0%/)
    expect(html).toMatch(/data-regime="volatile"[\s\S]*?53\.1%/)
    expect(html).toMatch(/data-testid="pooled-info"[^>]*data-enabled="true"[\s\S]*?ridge over 2 series \(INFY\.NS, TCS\.NS\), fitted in 5 of 6 time blocks/)
    expect(html).not.toContain('data-testid="backtest-extra"')  // every field has its place
  })

  it('shows each family alone beside its verdict', async () => {
    const html = await render({
      view: viewOfBacktest(summary({
        family_forecasts: [{
          family: 'ridge', n: 1890, mape: 0.0099, naive_mape: 0.01, mape_ratio: 0.99,
          directional_accuracy: { value: 0.55, ci95_low: 0.51, ci95_high: 0.59, n: 1890 },
        }],
      })),
    })
    expect(html).toContain('MAPE ratio alone')
    expect(html).toMatch(/data-family="ridge"[\s\S]*?data-testid="family-mape-ratio"[^>]*>0\.9900<[\s\S]*?>55\.0% \[51\.0%, 59\.0%\]</)
    expect(html).toMatch(/data-family="gbdt"[\s\S]*?data-testid="family-mape-ratio"[^>]*>—</)
  })

  it('says when there is no backtest, and shows a running job with its progress', async () => {
    const html = await render({ view: null, job: { id: 'job-7', state: 'running', done: 1, total: 2 } })
    expect(html).toContain('data-testid="backtest-empty"')
    expect(html).toContain('step 1 of 2')
    expect(html).toMatch(/<button[^>]*disabled[^>]*data-testid="run-backtest"[^>]*>\s*Backtest running…/)
    const failed = await render({ view: null, job: { id: 'job-8', state: 'failed', error: 'no silver rows' } })
    expect(failed).toContain('no silver rows')
    expect(failed).not.toMatch(/<button[^>]*disabled[^>]*data-testid="run-backtest"/)
  })

  it('labels training out-of-fold numbers as such', async () => {
    const record = {
      id: 'exp-2', created_at: 'x', families: ['naive'],
      gating: { pooled: { weights: { naive: 1 }, gated_out: {}, source: 'pooled' }, per_regime: {} },
      metrics: { ensemble: { overall: metrics(0.01, [0.5, 0.8, 0.95]) }, naive: { overall: metrics(0.01, [0.5, 0.8, 0.95]) } },
    } as unknown as ExperimentRecord
    const html = await render({ view: viewOfTraining(record) })
    expect(html).toContain('data-source="training"')
    expect(html).toContain('ties the random walk')
    expect(html).not.toContain('DM test vs naive')
  })
})
