// Reading the few numbers the Operations page needs from /metrics (the
// Prometheus text exposition format 0.0.4).

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const match = LINE.exec(line)
    if (!match) continue
    const labels: Record<string, string> = {}
    for (const label of (match[3] ?? '').matchAll(LABEL)) {
      labels[label[1]!] = label[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\')
    }
    const value = match[4] === '+Inf' ? Infinity : match[4] === '-Inf' ? -Infinity : Number(match[4])
    if (Number.isNaN(value) && match[4] !== 'NaN') continue
    samples.push({ name: match[1]!, labels, value })
  }
  return samples
}

export function sumOf(samples: Sample[], name: string, where: Record<string, string> = {}): number | null {
  const matching = samples.filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
  return matching.length ? matching.reduce((total, s) => total + s.value, 0) : null
}

// The q-quantile of a histogram (all label sets merged) by linear
// interpolation inside the bucket, as Prometheus' histogram_quantile does.
export function histogramQuantile(samples: Sample[], name: string, q: number): number | null {
  const buckets = new Map<number, number>()
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || s.labels.le === undefined) continue
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le)
    buckets.set(le, (buckets.get(le) ?? 0) + s.value)
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0])
  const total = sorted[sorted.length - 1]?.[1] ?? 0
  if (total <= 0) return null
  const rank = q * total
  let previousLe = 0
  let previousCount = 0
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return previousLe
      const inBucket = count - previousCount
      return inBucket > 0 ? previousLe + ((le - previousLe) * (rank - previousCount)) / inBucket : le
    }
    previousLe = le
    previousCount = count
  }
  return previousLe
}

// Per-series prediction quality gauges: {"TCS.NS 5m": {mape: .., coverage_80: ..}}.
export function qualityBySeries(samples: Sample[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {}
  for (const s of samples) {
    if (s.name !== 'prediction_quality_metric') continue
    const key = `${s.labels.symbol ?? '?'} ${s.labels.timeframe ?? '?'}`
    ;(out[key] ??= {})[s.labels.metric ?? 'value'] = s.value
  }
  return out
}
