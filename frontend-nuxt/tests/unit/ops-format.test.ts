// How the Operations page prints durations and the drift check's quality metrics.
import { describe, expect, it } from 'vitest'
import { formatMs, formatQuality, formatSecondsAsMs, qualityColumns } from '../../utils/ops-format'

describe('operations formatting', () => {
  it('prints durations with the precision their size deserves', () => {
    expect(formatSecondsAsMs(0.00042)).toBe('0.42 ms')  // a prediction from memory: not "0 ms"
    expect(formatSecondsAsMs(0.0034)).toBe('3.4 ms')
    expect(formatSecondsAsMs(0.12)).toBe('120 ms')
    expect(formatMs(12.029799)).toBe('12 ms')
    expect(formatSecondsAsMs(null)).toBe('—')
    expect(formatMs(Number.NaN)).toBe('—')
  })

  it('orders the quality metrics and prints each in its unit; unknown ones follow', () => {
    const quality = {
      'TCS.NS 5m': { rmse: 0.003, coverage_95: 1, matured_predictions: 12, coverage_50: 0.8333, mape: 0.0025, coverage_80: 1 },
      'INFY.NS 1h': { mape: 0.011, bias: 0.0001234 },
    }
    const columns = qualityColumns(quality)
    expect(columns.map((c) => c.key)).toEqual(['matured_predictions', 'mape', 'rmse', 'coverage_50', 'coverage_80', 'coverage_95', 'bias'])
    const print = (series: keyof typeof quality) =>
      columns.map((c) => formatQuality(c, (quality[series] as Record<string, number>)[c.key]))
    expect(print('TCS.NS 5m')).toEqual(['12', '0.25%', '0.0030', '83.3%', '100.0%', '100.0%', '—'])
    expect(print('INFY.NS 1h')).toEqual(['—', '1.10%', '—', '—', '—', '—', '0.0001234'])
    expect(columns.find((c) => c.key === 'coverage_80')!.label).toBe('coverage 80%')
    expect(qualityColumns({})).toEqual([])
  })
})
