// What lightweight-charts does not draw by itself: the regime as background
// shading over time and the prediction fan's nested bands as filled areas.
// One series primitive attached to the candle series; coordinates come from
// the chart, so both follow scrolling and zooming.
import type {
  AutoscaleInfo,
  IChartApi,
  Logical,
  ISeriesApi,
  ISeriesPrimitive,
  IPrimitivePaneRenderer,
  IPrimitivePaneView,
  SeriesAttachedParameter,
  SeriesType,
  Time,
  UTCTimestamp,
} from 'lightweight-charts'
import { REGIME_COLORS, type FanPoint, type RegimeSegment } from './transforms'

// The canvas target lightweight-charts hands to renderers.
type CanvasRenderingTarget2D = Parameters<IPrimitivePaneRenderer['draw']>[0]

const FAN_ALPHA: Record<string, number> = { '0.5': 0.32, '0.8': 0.2, '0.95': 0.12 }

export class ChartDecorations implements ISeriesPrimitive<Time> {
  private chart: IChartApi | null = null
  private series: ISeriesApi<SeriesType> | null = null
  private requestUpdate: (() => void) | null = null
  private segments: RegimeSegment[] = []
  private fan: FanPoint[] | null = null
  private fanColor = '#1d4ed8'
  private fanRange: { minValue: number; maxValue: number } | null = null
  private shadeAlpha = 0.12

  private readonly background: IPrimitivePaneView = {
    zOrder: () => 'bottom',
    renderer: (): IPrimitivePaneRenderer => ({ draw: () => {}, drawBackground: (target) => this.drawRegimes(target) }),
  }
  private readonly fanView: IPrimitivePaneView = {
    zOrder: () => 'normal',
    renderer: (): IPrimitivePaneRenderer => ({ draw: (target) => this.drawFan(target) }),
  }

  attached(param: SeriesAttachedParameter<Time>): void {
    this.chart = param.chart
    this.series = param.series
    this.requestUpdate = param.requestUpdate
  }

  detached(): void {
    this.chart = null
    this.series = null
    this.requestUpdate = null
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return [this.background, this.fanView]
  }

  setRegimes(segments: RegimeSegment[]): void {
    this.segments = segments
    this.requestUpdate?.()
  }

  setFan(fan: FanPoint[] | null, color: string): void {
    this.fan = fan
    this.fanColor = color
    let minValue = Infinity
    let maxValue = -Infinity
    for (const point of fan ?? []) {
      for (const band of point.bands) {
        minValue = Math.min(minValue, band.lower)
        maxValue = Math.max(maxValue, band.upper)
      }
    }
    this.fanRange = minValue <= maxValue ? { minValue, maxValue } : null
    this.requestUpdate?.()
  }

  // The price scale must make room for the fan's widest band whenever the
  // fan is in view (the bands are not series, so it would not otherwise).
  autoscaleInfo(_start: Logical, end: Logical): AutoscaleInfo | null {
    const first = this.fan?.[0]
    if (!first || !this.fanRange || !this.chart) return null
    const index = this.chart.timeScale().timeToIndex(first.time as UTCTimestamp, true)
    if (index === null || index > end) return null
    return { priceRange: this.fanRange }
  }

  setShadeAlpha(alpha: number): void {
    this.shadeAlpha = alpha
    this.requestUpdate?.()
  }

  private x(time: number): number | null {
    const scale = this.chart?.timeScale()
    if (!scale) return null
    const direct = scale.timeToCoordinate(time as UTCTimestamp)
    if (direct !== null) return direct
    const index = scale.timeToIndex(time as UTCTimestamp, true)
    return index === null ? null : scale.logicalToCoordinate(index as unknown as never)
  }

  private drawRegimes(target: CanvasRenderingTarget2D): void {
    if (!this.chart || this.segments.length === 0) return
    const half = this.chart.timeScale().options().barSpacing / 2
    target.useBitmapCoordinateSpace(({ context, bitmapSize, horizontalPixelRatio }) => {
      context.save()
      for (const segment of this.segments) {
        const from = this.x(segment.from)
        const to = this.x(segment.to)
        if (from === null || to === null) continue
        const left = Math.round((from - half) * horizontalPixelRatio)
        const right = Math.round((to + half) * horizontalPixelRatio)
        if (right < 0 || left > bitmapSize.width) continue
        context.globalAlpha = this.shadeAlpha
        context.fillStyle = REGIME_COLORS[segment.state] ?? REGIME_COLORS.unknown!
        context.fillRect(left, 0, Math.max(1, right - left), bitmapSize.height)
      }
      context.restore()
    })
  }

  private drawFan(target: CanvasRenderingTarget2D): void {
    const fan = this.fan
    const series = this.series
    if (!fan || fan.length < 2 || !series) return
    const xs = fan.map((p) => this.x(p.time))
    if (xs.some((x) => x === null)) return
    const levels = fan[0]!.bands.map((b) => b.level)
    target.useBitmapCoordinateSpace(({ context, horizontalPixelRatio, verticalPixelRatio }) => {
      context.save()
      context.fillStyle = this.fanColor
      levels.forEach((level, bandIdx) => {
        const upper: [number, number][] = []
        const lower: [number, number][] = []
        fan.forEach((point, idx) => {
          const band = point.bands[bandIdx]
          if (!band) return
          const yUp = series.priceToCoordinate(band.upper)
          const yLo = series.priceToCoordinate(band.lower)
          if (yUp === null || yLo === null) return
          upper.push([xs[idx]! * horizontalPixelRatio, yUp * verticalPixelRatio])
          lower.push([xs[idx]! * horizontalPixelRatio, yLo * verticalPixelRatio])
        })
        if (upper.length < 2) return
        context.globalAlpha = FAN_ALPHA[String(level)] ?? 0.15
        context.beginPath()
        upper.forEach(([x, y], idx) => (idx === 0 ? context.moveTo(x, y) : context.lineTo(x, y)))
        for (let idx = lower.length - 1; idx >= 0; idx--) context.lineTo(lower[idx]![0], lower[idx]![1])
        context.closePath()
        context.fill()
      })
      context.restore()
    })
  }
}
