// "A new bar arrives live", and the Operations page of that market: the replay
// market (PRIMARY_DATA_PROVIDER=replay) plays the shipped TCS sample as a live
// market in a lake of its own; the scheduler publishes each closed bar on
// bars:TCS.NS:5m with its sequence number.
import { expect, test } from '@playwright/test'
import { mkdtempSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { artifacts, Backend, freePort, uiRoot } from './backend'

// The shipped TCS sample replayed as a live market, scheduler on, in a fresh lake.
async function replayMarket(lakePrefix: string): Promise<Backend> {
  const replay = new Backend(
    await freePort(),
    {
      PRIMARY_DATA_PROVIDER: 'replay',
      FALLBACK_DATA_PROVIDERS: '',
      REPLAY_SOURCE: resolve(uiRoot, '../backend/data/sample/TCS.csv'),
      REPLAY_START: '2021-06-21T04:00:00Z',
      REPLAY_SPEED: '600',
      WATCHLIST: 'TCS.NS:5m',
      SCHEDULER_ENABLED: 'true',
      DEMO: 'off',
    },
    mkdtempSync(join(artifacts, lakePrefix)),
  )
  await replay.start()
  return replay
}

test('a new bar arrives over the socket and extends the chart', async ({ page }) => {
  const replay = await replayMarket('replay-')
  // Nothing the page asks for is refused.
  const refused: string[] = []
  page.on('response', (r) => { if (r.status() >= 400) refused.push(`${r.status()} ${r.url()}`) })
  try {
    await page.goto(`${replay.base}/`)
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'open')
    const chart = page.getByTestId('price-chart')
    await expect.poll(async () => Number(await chart.getAttribute('data-candles'))).toBeGreaterThan(0)
    const before = Number(await chart.getAttribute('data-candles'))
    await expect(page.getByTestId('live-bars')).not.toHaveText('0', { timeout: 60_000 })
    expect(Number(await chart.getAttribute('data-candles'))).toBeGreaterThanOrEqual(before)
    await page.screenshot({ path: join(artifacts, 'market-live-bar.png') })
    expect(refused).toEqual([])
    // The page names its icon, which is served: browsers that fetch icons (headless Chromium does not)
    // would otherwise ask for /favicon.ico, a 404 counted in regimecast_errors_total.
    const icon = await page.locator('link[rel="icon"]').getAttribute('href')
    expect(icon).toBeTruthy()
    const served = await page.request.get(`${replay.base}${icon}`)
    expect(served.status()).toBe(200)
    expect(served.headers()['content-type']).toContain('image/svg+xml')
  } finally {
    await replay.stop()
  }
})

test('operations page on a running market: providers, scheduler jobs and quality in their units, nothing wider than the screen', async ({ page }) => {
  const replay = await replayMarket('replay-ops-')
  try {
    await page.goto(`${replay.base}/operations`)
    const provider = page.getByTestId('providers-table').locator('tr[data-provider="replay"]')
    await expect(provider).toContainText('closed')
    await expect(provider).toContainText('TCS.NS:5m')
    const bars = page.getByTestId('scheduler-table').locator('tr[data-job="bars:TCS.NS:5m"]')
    await expect(bars).toBeVisible()
    // The page refreshes every 10 s; the bars job has run by then and says how long it took.
    await expect(bars.locator('td').nth(4)).toHaveText(/^\d+(\.\d+)? ms$/, { timeout: 30_000 })
    await expect(page.getByTestId('latency')).not.toContainText('NaN')
    const width = await page.evaluate(() => window.innerWidth)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width)
    await page.screenshot({ path: join(artifacts, 'operations-replay.png'), fullPage: true })
  } finally {
    await replay.stop()
  }
})
