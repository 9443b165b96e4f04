#!/usr/bin/env node
// First load of the Market page from the Regimecast server, as a user's cold
// browser sees it: JS transferred (bytes on the wire) and time to first chart
// (navigation start to candles drawn), median of N fresh browser contexts;
// then the p95 frame interval while zooming out and dragging the chart.
// Not a test: numbers for docs/benchmarks.md.
//
//   node scripts/measure-first-load.mjs http://127.0.0.1:8182/ [runs=5]
//   node scripts/measure-first-load.mjs 'http://127.0.0.1:8182/?bars=19000'
import { chromium } from '@playwright/test'

const url = process.argv[2] ?? 'http://127.0.0.1:8182/'
const runs = Number(process.argv[3] ?? 5)
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
})
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const results = []
for (let run = 0; run < runs; run++) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  const page = await context.newPage()
  const finished = []
  page.on('requestfinished', (request) => finished.push(request))
  await page.goto(url)
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="price-chart"]')?.getAttribute('data-candles') ?? 0) > 0,
    undefined, { polling: 'raf', timeout: 60_000 })
  const firstChartMs = await page.evaluate(() => performance.now())
  const candles = Number(await page.getByTestId('price-chart').getAttribute('data-candles'))
  let jsBytes = 0
  let allBytes = 0
  for (const request of finished) {
    const sizes = await request.sizes()
    const bytes = sizes.responseBodySize + sizes.responseHeadersSize
    allBytes += bytes
    if (request.resourceType() === 'script') jsBytes += bytes
  }
  // Smoothness: frame intervals while the user zooms out over everything and
  // drags the chart (requestAnimationFrame timestamps, in the page).
  const box = await page.getByTestId('price-chart').boundingBox()
  await page.evaluate(() => {
    window.__frames = []
    const tick = (t) => {
      window.__frames.push(t)
      if (window.__frames.length < 100_000) requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  })
  const cx = box.x + box.width / 2
  const cy = box.y + box.height / 3
  await page.mouse.move(cx, cy)
  for (let step = 0; step < 20; step++) await page.mouse.wheel(0, 400)
  await page.mouse.down()
  for (let step = 0; step < 30; step++) await page.mouse.move(cx - step * 15, cy)
  await page.mouse.up()
  const frames = await page.evaluate(() => window.__frames)
  const intervals = frames.slice(1).map((t, idx) => t - frames[idx])
  const frameP95 = [...intervals].sort((a, b) => a - b)[Math.floor(intervals.length * 0.95)] ?? 0
  results.push({ firstChartMs, jsBytes, allBytes, requests: finished.length, candles, frameP95 })
  await context.close()
}
await browser.close()
console.log(JSON.stringify({
  url,
  runs,
  candles: results[0].candles,
  js_transferred_kib: +(median(results.map((r) => r.jsBytes)) / 1024).toFixed(1),
  all_transferred_kib: +(median(results.map((r) => r.allBytes)) / 1024).toFixed(1),
  requests: median(results.map((r) => r.requests)),
  time_to_first_chart_ms_median: Math.round(median(results.map((r) => r.firstChartMs))),
  time_to_first_chart_ms_all: results.map((r) => Math.round(r.firstChartMs)),
  zoom_drag_frame_interval_p95_ms_median: Math.round(median(results.map((r) => r.frameP95))),
}, null, 2))
