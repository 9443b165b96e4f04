// What the Models page shows of a backtest summary (GET /api/models/backtest,
// the fields of `regimecast backtest --json`): the ensemble against the random
// walk, each family's skill verdict and weight, band coverage against nominal
// (overall and per regime) with the band width, directional accuracy. The
// summary grows (new families, new fields): families are read from the list
// whatever their names, and fields this file does not know are handed back in
// `extraFields` for the page to show as they are.
import type { ApiSchema } from './api-client'
import { REGIME_COLORS } from './transforms'

export type BacktestSummary = ApiSchema<'BacktestSummary'>
export type ExperimentRecord = ApiSchema<'ExperimentRecord'>
type MetricSet = ApiSchema<'MetricSet'>

// The issue-10 calibration targets: bands within ±2 points of nominal overall, ±5 per regime.
export const COVERAGE_TOLERANCE = { overall: 0.02, regime: 0.05 } as const
// Fewer outcomes than this overall say nothing about calibration: shown, not judged.
export const MIN_JUDGED_OUTCOMES = 30

// A regime's level L is judged against ±`tolerance` only from
// 1.96² · L(1 − L) / tolerance² outcomes (385 / 246 / 73 at 50 / 80 / 95 % for
// ±5): with fewer, even a perfectly calibrated band with independent outcomes
// lands outside the tolerance more than 5 % of the time, so a miss says nothing.
// The same rule judges the regime cells in docs/ml_audit.md and
// tests/ml/nse_data.py (`min_judged_count`).
export function minJudgedCount(level: number, tolerance: number = COVERAGE_TOLERANCE.regime): number {
  return Math.ceil((1.96 ** 2 * level * (1 - level)) / tolerance ** 2)
}

// Forecasts made every bar for h bars ahead have overlapping outcomes: neighbours
// share h − 1 bars of what they are judged on, so n outcomes carry about n / h
// independent ones (the skill test's degrees of freedom count the same way).
export function independentOutcomes(n: number, horizonBars: number): number {
  return n / (Number.isFinite(horizonBars) && horizonBars > 1 ? horizonBars : 1)
}

// Whether a band's distance from nominal is more than sampling could produce:
// beyond 1.96 standard errors of a proportion over the independent outcomes.
// A band outside the target but within this is not shown as a fault: with
// 25 independent 180-minute outcomes a perfectly calibrated 50 % band lands
// anywhere within ±20 points.
export function offBeyondNoise(off: number, level: number, independent: number): boolean {
  if (independent <= 0) return false
  return Math.abs(off) > 1.96 * Math.sqrt((level * (1 - level)) / independent)
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

export type RandomWalkVerdict = 'beats' | 'ties' | 'loses' | 'unknown'

export interface Headline {
  ensembleMape: number | null
  naiveMape: number | null
  ratio: number | null
  verdict: RandomWalkVerdict
  dmStat: number | null   // DM test of the ensemble's errors against naive's (> 0: ensemble better)
  pValue: number | null
  df: number | null  // degrees of freedom of the DM test's t reference; 0: too few pairs to test
  predictions: number
}

// Ratio below 1 beats the random walk; exactly 1 (every weight on naive) ties it.
export function randomWalkVerdict(ratio: number | null | undefined): RandomWalkVerdict {
  if (!finite(ratio)) return 'unknown'
  if (Math.abs(ratio - 1) < 1e-9) return 'ties'
  return ratio < 1 ? 'beats' : 'loses'
}

export function headline(summary: BacktestSummary): Headline {
  const ratio = finite(summary.mape_ratio) ? summary.mape_ratio : null
  return {
    ensembleMape: finite(summary.model.mape) ? summary.model.mape : null,
    naiveMape: finite(summary.naive.mape) ? summary.naive.mape : null,
    ratio,
    verdict: randomWalkVerdict(ratio),
    dmStat: finite(summary.model_vs_naive.dm_stat) ? summary.model_vs_naive.dm_stat : null,
    pValue: finite(summary.model_vs_naive.p_value) ? summary.model_vs_naive.p_value : null,
    df: finite(summary.model_vs_naive.df) ? summary.model_vs_naive.df : null,
    predictions: summary.predictions,
  }
}

export type FamilyVerdict = 'baseline' | 'no signal' | 'skill' | 'no evidence'

export interface FamilyRow {
  family: string
  weight: number | null
  verdict: FamilyVerdict
  dmStat: number | null
  pValue: number | null
  df: number | null
  n: number | null
  reason: string
  // The family's own forecasts over the backtest (whatever its weight), against naive's.
  mapeRatio: number | null
  directional: { value: number | null; low: number | null; high: number | null } | null
}

type FamilyForecast = ApiSchema<'FamilyForecast'>

function ownForecasts(forecast: FamilyForecast | undefined): Pick<FamilyRow, 'mapeRatio' | 'directional'> {
  if (!forecast) return { mapeRatio: null, directional: null }
  const d = forecast.directional_accuracy
  return {
    mapeRatio: finite(forecast.mape_ratio) ? forecast.mape_ratio : null,
    directional: {
      value: finite(d?.value) ? d.value : null,
      low: finite(d?.ci95_low) ? d.ci95_low : null,
      high: finite(d?.ci95_high) ? d.ci95_high : null,
    },
  }
}

// One row per family of the summary, in its order, then any family named only
// in `no_signal` (it had no signal in some retrain but not in the last). Each
// row carries the family's own MAPE ratio and directional accuracy when the
// summary has them (`family_forecasts`).
export function familyRows(summary: BacktestSummary): FamilyRow[] {
  const noSignal = new Set(summary.no_signal ?? [])
  const forecasts = new Map((summary.family_forecasts ?? []).map((f) => [f.family, f]))
  const rows: FamilyRow[] = (summary.families ?? []).map((f) => {
    const skill = f.skill_vs_naive
    const weight = finite(f.pooled_weight) ? f.pooled_weight : null
    let verdict: FamilyVerdict
    if (f.family === 'naive') verdict = 'baseline'
    else if (f.no_signal || skill?.equals_naive) verdict = 'no signal'
    else verdict = weight !== null && weight > 0 ? 'skill' : 'no evidence'
    return {
      family: f.family,
      weight,
      verdict,
      dmStat: finite(skill?.dm_stat) ? skill.dm_stat : null,
      pValue: finite(skill?.p_value) ? skill.p_value : null,
      df: finite(skill?.df) ? skill.df : null,
      n: finite(skill?.n) ? skill.n : null,
      reason: f.gated_out ?? '',
      ...ownForecasts(forecasts.get(f.family)),
    }
  })
  for (const family of noSignal) {
    if (!rows.some((r) => r.family === family)) {
      rows.push({
        family, weight: null, verdict: 'no signal', dmStat: null, pValue: null, df: null, n: null,
        reason: 'no signal in an earlier retrain', ...ownForecasts(forecasts.get(family)),
      })
    }
  }
  return rows
}

export interface CoverageCell {
  level: number            // nominal, e.g. 0.8
  coverage: number | null  // realized share of outcomes inside the band
  offPoints: number | null // (coverage - level) in percentage points
  withinTarget: boolean | null
  // Outside the target by more than sampling noise (offBeyondNoise): the band
  // is miscalibrated. false where it is outside the target within noise; null
  // where it is within target or not judged.
  beyondNoise: boolean | null
  meanWidth: number | null // as a fraction of the price
  intervalScore: number | null
}

export interface CoverageRow {
  scope: string  // "overall" or a regime name
  n: number
  cells: CoverageCell[]
}

// The overall row is judged against ±2 points from MIN_JUDGED_OUTCOMES; a part
// of the forecasts (a regime, the session groups) against ±5, level by level
// from minJudgedCount. A cell outside its target is then weighed against the
// noise of its horizonBars-overlapping outcomes.
type CoverageScope = 'overall' | 'part'

function coverageCells(set: MetricSet | undefined, scope: CoverageScope, horizonBars: number): CoverageCell[] {
  const n = set?.n ?? 0
  const tolerance = scope === 'overall' ? COVERAGE_TOLERANCE.overall : COVERAGE_TOLERANCE.regime
  return (set?.bands ?? []).map((b) => {
    const coverage = finite(b.coverage) ? b.coverage : null
    const off = coverage === null ? null : coverage - b.level
    const judged = scope === 'overall' ? n >= MIN_JUDGED_OUTCOMES : n >= minJudgedCount(b.level, tolerance)
    const withinTarget = off === null || !judged ? null : Math.abs(off) <= tolerance + 1e-12
    return {
      level: b.level,
      coverage,
      offPoints: off === null ? null : off * 100,
      withinTarget,
      beyondNoise: withinTarget !== false ? null : offBeyondNoise(off!, b.level, independentOutcomes(n, horizonBars)),
      meanWidth: finite(b.mean_width) ? b.mean_width : null,
      intervalScore: finite(b.interval_score) ? b.interval_score : null,
    }
  })
}

// Overall first (±2 points); then, when the backtest reports them, the
// forecasts within the session and those whose horizon runs across a break
// (the overnight gap: overall coverage can hide one group too wide and the
// other too narrow); then each regime the backtest saw (±5 points each).
export function coverageRows(summary: BacktestSummary): CoverageRow[] {
  const h = summary.horizon_bars
  const rows: CoverageRow[] = [{ scope: 'overall', n: summary.model.n, cells: coverageCells(summary.model, 'overall', h) }]
  const byBreak = summary.model_by_break
  for (const [scope, set] of [['within_session', byBreak?.within_session], ['across_break', byBreak?.across_break]] as const) {
    if (set?.n) rows.push({ scope, n: set.n, cells: coverageCells(set, 'part', h) })
  }
  for (const [regime, block] of Object.entries(summary.regimes ?? {})) {
    if (!block?.model || !block.model.n) continue
    rows.push({ scope: regime, n: block.model.n, cells: coverageCells(block.model, 'part', h) })
  }
  return rows
}

export interface Directional {
  value: number | null
  low: number | null
  high: number | null
  n: number
  // The CI excludes 0.5: better (or worse) than a coin.
  vsChance: 'better' | 'worse' | 'undecided' | 'unknown'
}

export function directional(summary: BacktestSummary): Directional {
  const d = summary.directional_accuracy
  const value = finite(d?.value) ? d.value : null
  const low = finite(d?.ci95_low) ? d.ci95_low : null
  const high = finite(d?.ci95_high) ? d.ci95_high : null
  let vsChance: Directional['vsChance'] = 'unknown'
  if (low !== null && high !== null) vsChance = low > 0.5 ? 'better' : high < 0.5 ? 'worse' : 'undecided'
  return { value, low, high, n: d?.n ?? 0, vsChance }
}

// Whether the detected states mean what their names say, on bars with no
// truth (issue 10 goal 4): what followed each state over the next horizon.
// `volatile` should be followed by at least 1.5× the volatility `range_bound`
// is; a trending state's forward return should carry its sign more often than
// a coin, by more than sampling noise (z > 1.96, one-sided 2.5 %).
export const VOLATILITY_RATIO_TARGET = 1.5
export const SIGN_Z_CRITICAL = 1.96
// The glossary's order, as the Market page's legend lists the states; a name it does not know goes last.
const STATE_ORDER = Object.keys(REGIME_COLORS)

export interface RegimeMeaningRow {
  state: string
  n: number
  forwardVol: number | null     // per-bar realized volatility over the next horizon (a fraction)
  forwardReturn: number | null  // mean log return over the next horizon
  signAgreement: number | null  // trending states: share of forward returns of the named sign
  signZ: number | null
}

export interface RegimeMeaningView {
  rows: RegimeMeaningRow[]
  volatilityRatio: number | null            // forward vol in volatile / in range_bound
  volatilityVerdict: 'met' | 'missed' | 'unknown'
  trending: RegimeMeaningRow | null         // trending_up and trending_down together
  trendingVerdict: 'better' | 'undecided' | 'worse' | 'unknown'
}

type RegimeMeaningJson = ApiSchema<'RegimeMeaning'>

function meaningRow(state: string, m: RegimeMeaningJson | undefined): RegimeMeaningRow {
  return {
    state,
    n: finite(m?.n) ? m.n : 0,
    forwardVol: finite(m?.forward_vol) ? m.forward_vol : null,
    forwardReturn: finite(m?.forward_return) ? m.forward_return : null,
    signAgreement: finite(m?.sign_agreement) ? m.sign_agreement : null,
    signZ: finite(m?.sign_z) ? m.sign_z : null,
  }
}

const stateRank = (s: string) => (STATE_ORDER.includes(s) ? STATE_ORDER.indexOf(s) : STATE_ORDER.length)
const byStateOrder = (a: string, b: string) => stateRank(a) - stateRank(b) || a.localeCompare(b)

export function regimeMeaning(summary: BacktestSummary): RegimeMeaningView | null {
  const meaning = summary.regime_meaning
  if (!meaning) return null
  const rows = Object.entries(meaning.states ?? {})
    .map(([state, m]) => meaningRow(state, m))
    .filter((r) => r.n > 0)
    .sort((a, b) => byStateOrder(a.state, b.state))
  const ratio = finite(meaning.volatile_to_range_vol) ? meaning.volatile_to_range_vol : null
  const trending = meaning.trending && finite(meaning.trending.n) && meaning.trending.n > 0 ? meaningRow('trending', meaning.trending) : null
  const z = trending?.signZ ?? null
  return {
    rows,
    volatilityRatio: ratio,
    volatilityVerdict: ratio === null ? 'unknown' : ratio >= VOLATILITY_RATIO_TARGET ? 'met' : 'missed',
    trending,
    trendingVerdict: z === null ? 'unknown' : z > SIGN_Z_CRITICAL ? 'better' : z < -SIGN_Z_CRITICAL ? 'worse' : 'undecided',
  }
}

// The served bands against the method they replaced, on the same points
// (goal 3: "report the mean width and the interval score against the current
// method"). The interval score (Gneiting & Raftery 2007) charges the width
// plus 2/α times each miss's distance: lower is better at equal coverage.
export interface BandMethodRow {
  method: 'served' | 'reference' | 'unscaled'
  label: string
  cells: CoverageCell[]
}

export function bandMethodRows(summary: BacktestSummary): BandMethodRow[] {
  const gamma = finite(summary.reference_gamma) ? ` (ACI step ${summary.reference_gamma})` : ''
  const rows: BandMethodRow[] = [
    { method: 'served', label: 'served: volatility-scaled, per regime, adaptive', cells: coverageCells(summary.model, 'overall', summary.horizon_bars) },
  ]
  if (summary.model_reference_bands?.n) {
    rows.push({ method: 'reference', label: `reference: threshold regimes${gamma}`, cells: coverageCells(summary.model_reference_bands, 'overall', summary.horizon_bars) })
  }
  if (summary.model_unscaled_bands?.n) {
    rows.push({ method: 'unscaled', label: 'unscaled residual quantiles', cells: coverageCells(summary.model_unscaled_bands, 'overall', summary.horizon_bars) })
  }
  return rows
}

// Served against reference at one level: the relative change of the interval
// score (negative: the served bands score better) and of the mean width.
export function bandGain(rows: BandMethodRow[], level: number): { score: number | null; width: number | null } {
  const at = (method: BandMethodRow['method']) => rows.find((r) => r.method === method)?.cells.find((c) => c.level === level)
  const served = at('served')
  const reference = at('reference')
  const change = (a: number | null | undefined, b: number | null | undefined) =>
    finite(a) && finite(b) && b > 0 ? a / b - 1 : null
  return { score: change(served?.intervalScore, reference?.intervalScore), width: change(served?.meanWidth, reference?.meanWidth) }
}

// Adaptive conformal inference at the end of the backtest: per regime, the
// quantile level each band is now taken at (above nominal: it had been
// under-covering and widened).
export interface AdaptiveRow {
  regime: string
  levels: (number | null)[]
}

export function adaptiveRows(summary: BacktestSummary): AdaptiveRow[] {
  return Object.entries(summary.adaptive_levels ?? {})
    .map(([regime, levels]) => ({ regime, levels: (levels ?? []).map((l) => (finite(l) ? l : null)) }))
    .filter((r) => r.levels.length > 0)
    .sort((a, b) => byStateOrder(a.regime, b.regime))
}

// The pooled (global) model's part in the backtest, in a sentence's parts.
export interface PooledView {
  enabled: boolean
  learner: string | null
  series: string[]
  blocks: number | null
  fittedBlocks: number | null
  lastTrainRows: number | null
}

export function pooledView(summary: BacktestSummary): PooledView | null {
  const p = summary.pooled
  if (!p) return null
  return {
    enabled: p.enabled === true,
    learner: typeof p.learner === 'string' && p.learner ? p.learner : null,
    series: Array.isArray(p.series) ? p.series.filter((s): s is string => typeof s === 'string') : [],
    blocks: finite(p.blocks) ? p.blocks : null,
    fittedBlocks: finite(p.fitted_blocks) ? p.fitted_blocks : null,
    lastTrainRows: finite(p.last_train_rows) ? p.last_train_rows : null,
  }
}

// The fields this page reads or that only describe the run; anything else is
// new (another engineer's additions) and shown generically.
const KNOWN_FIELDS = new Set([
  'symbol', 'timeframe', 'horizon_minutes', 'predictions', 'from', 'to', 'retrain_every', 'folds', 'min_train_rows',
  'finished_at', 'model', 'naive', 'model_unscaled_bands', 'model_reference_bands', 'reference_gamma', 'model_by_break',
  'mape_ratio', 'directional_accuracy', 'model_vs_naive', 'families', 'family_forecasts', 'no_signal', 'regime_meaning',
  'adaptive_levels', 'pooled', 'regimes', 'horizon_bars', 'retrains', 'degraded_rows',
])

export function extraFields(summary: BacktestSummary): [string, unknown][] {
  return Object.entries(summary as Record<string, unknown>).filter(([key]) => !KNOWN_FIELDS.has(key))
}

// A compact, readable rendering of a value the page does not know: numbers
// rounded, nested objects as JSON (bounded so one huge field cannot flood the page).
export function formatUnknown(value: unknown, limit = 600): string {
  if (finite(value)) return Number.isInteger(value) ? String(value) : value.toPrecision(4)
  if (typeof value === 'string' || typeof value === 'boolean') return String(value)
  if (value === null || value === undefined) return '—'
  const text = JSON.stringify(value, (_k, v: unknown) => (finite(v) && !Number.isInteger(v) ? Number(v.toPrecision(4)) : v))
  return text.length > limit ? `${text.slice(0, limit)}…` : text
}

// Everything the quality panel shows, from a backtest or, before any backtest
// ran, from the training run's out-of-fold numbers (the active experiment).
export interface QualityView {
  source: 'backtest' | 'training'
  headline: Headline
  families: FamilyRow[]
  coverage: CoverageRow[]
  directional: Directional
  // Backtests only (null / empty from a training run).
  meaning: RegimeMeaningView | null
  bandMethods: BandMethodRow[]
  adaptive: AdaptiveRow[]
  pooled: PooledView | null
  extra: [string, unknown][]
  run: { label: string; value: string }[]
}

export function viewOfBacktest(summary: BacktestSummary): QualityView {
  const run = [
    { label: 'predicted', value: `${summary.from ?? '?'} → ${summary.to ?? '?'}` },
    { label: 'predictions', value: String(summary.predictions) },
    { label: 'retrains', value: `${summary.retrains} (every ${summary.retrain_every ?? '?'} bars)` },
    { label: 'degraded', value: String(summary.degraded_rows) },
    { label: 'finished', value: summary.finished_at ?? '—' },
  ]
  return {
    source: 'backtest',
    headline: headline(summary),
    families: familyRows(summary),
    coverage: coverageRows(summary),
    directional: directional(summary),
    meaning: regimeMeaning(summary),
    bandMethods: bandMethodRows(summary),
    adaptive: adaptiveRows(summary),
    pooled: pooledView(summary),
    extra: extraFields(summary),
    run,
  }
}

// The walk-forward of the last training: the ensemble's and naive's
// out-of-fold metrics and the pooled gating (no DM statistics, no CI).
export function viewOfTraining(record: ExperimentRecord): QualityView | null {
  const ensemble = record.metrics?.ensemble
  const naive = record.metrics?.naive
  if (!ensemble?.overall || !naive?.overall) return null
  const ensembleMape = finite(ensemble.overall.mape) ? ensemble.overall.mape : null
  const naiveMape = finite(naive.overall.mape) ? naive.overall.mape : null
  const ratio = ensembleMape !== null && naiveMape ? ensembleMape / naiveMape : null
  const pooled = record.gating?.pooled
  const names = new Set([...(record.families ?? []), ...Object.keys(pooled?.weights ?? {})])
  const families: FamilyRow[] = [...names].map((family) => {
    const weight = pooled?.weights?.[family] ?? 0
    const reason = pooled?.gated_out?.[family] ?? ''
    const verdict: FamilyVerdict = family === 'naive' ? 'baseline'
      : /no signal|equal(s)? naive/i.test(reason) ? 'no signal'
        : weight > 0 ? 'skill' : 'no evidence'
    return { family, weight, verdict, dmStat: null, pValue: null, df: null, n: null, reason, mapeRatio: null, directional: null }
  })
  const h = record.horizon_bars
  const coverage: CoverageRow[] = [{ scope: 'overall', n: ensemble.overall.n, cells: coverageCells(ensemble.overall, 'overall', h) }]
  for (const [regime, set] of Object.entries(ensemble.regimes ?? {})) {
    if (set?.n) coverage.push({ scope: regime, n: set.n, cells: coverageCells(set, 'part', h) })
  }
  const da = finite(ensemble.overall.directional_accuracy) ? ensemble.overall.directional_accuracy : null
  return {
    source: 'training',
    headline: { ensembleMape, naiveMape, ratio, verdict: randomWalkVerdict(ratio), dmStat: null, pValue: null, df: null, predictions: ensemble.overall.n },
    families,
    coverage,
    directional: { value: da, low: null, high: null, n: ensemble.overall.n, vsChance: 'unknown' },
    meaning: null,
    bandMethods: [],
    adaptive: [],
    pooled: null,
    extra: [],
    run: [
      { label: 'experiment', value: record.id },
      { label: 'out-of-fold rows', value: String(ensemble.overall.n) },
      { label: 'trained', value: record.created_at },
    ],
  }
}

// Display helpers: a ratio, a share as percent, a price-relative width as percent.
export const fmt = {
  ratio: (v: number | null, digits = 4) => (v === null ? '—' : v.toFixed(digits)),
  pct: (v: number | null, digits = 1) => (v === null ? '—' : `${(v * 100).toFixed(digits)}%`),
  points: (v: number | null) => (v === null ? '—' : `${v >= 0 ? '+' : ''}${v.toFixed(1)} pt`),
  pValue: (v: number | null) => (v === null ? '—' : v < 0.001 ? '<0.001' : v.toFixed(3)),
  signedPct: (v: number | null, digits = 1) => (v === null ? '—' : `${v >= 0 ? '+' : '−'}${(Math.abs(v) * 100).toFixed(digits)}%`),
}
