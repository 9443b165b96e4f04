// How the Operations page prints what /metrics and the optional routes report:
// durations in milliseconds with the precision their size deserves (a
// prediction from memory takes well under a millisecond, and "0 ms" would hide
// it), quality metrics in their own units (coverage and MAPE as percent of
// predictions / of price, counts as whole numbers).

// 0.42 ms, 3.4 ms, 120 ms; '—' when unknown.
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 10) return `${ms.toFixed(1)} ms`
  return `${ms.toFixed(0)} ms`
}

export const formatSecondsAsMs = (seconds: number | null | undefined) =>
  formatMs(seconds === null || seconds === undefined ? seconds : seconds * 1000)

export interface QualityColumn {
  key: string
  label: string
  format: (value: number) => string
}

const percent = (digits: number) => (v: number) => `${(v * 100).toFixed(digits)}%`

// The drift check's metrics (prediction_quality_metric{metric=...}, serving/quality.cc),
// in reading order; a metric this list does not know follows, printed plainly.
const KNOWN: QualityColumn[] = [
  { key: 'matured_predictions', label: 'matured predictions', format: (v) => v.toFixed(0) },
  { key: 'mape', label: 'MAPE', format: percent(2) },
  { key: 'rmse', label: 'RMSE (log return)', format: (v) => v.toFixed(4) },
  { key: 'coverage_50', label: 'coverage 50%', format: percent(1) },
  { key: 'coverage_80', label: 'coverage 80%', format: percent(1) },
  { key: 'coverage_95', label: 'coverage 95%', format: percent(1) },
]

export function qualityColumns(quality: Record<string, Record<string, number>>): QualityColumn[] {
  const present = new Set(Object.values(quality).flatMap((metrics) => Object.keys(metrics)))
  const known = KNOWN.filter((c) => present.has(c.key))
  const others = [...present].filter((key) => !KNOWN.some((c) => c.key === key)).sort()
    .map((key) => ({ key, label: key.replace(/_/g, ' '), format: (v: number) => v.toPrecision(4) }))
  return [...known, ...others]
}

export function formatQuality(column: QualityColumn, value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '—' : column.format(value)
}
