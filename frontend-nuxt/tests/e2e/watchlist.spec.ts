// The Market page's watchlist is the server's: WATCHLIST in its order, then
// every other series in the lake (GET /api/watchlist). A series that lands in
// the lake while the server runs is listed on the next load, and its chart
// uses the exchange zone the server gives.
import { expect, test } from '@playwright/test'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { artifacts, Backend, cliIn, freePort } from './backend'

test('watchlist: WATCHLIST first, then series found in the lake, with models marked', async ({ page }) => {
  const data = mkdtempSync(join(artifacts, 'watchlist-'))
  cliIn(data, 'sim', '--symbol', 'TCS.NS', '--timeframe', '5m', '--days', '30', '--seed', '5')
  cliIn(data, 'pipeline')
  cliIn(data, 'train', '--bot', 'orchestrator', '--symbol', 'TCS.NS', '--timeframe', '5m', '--horizon-minutes', '180')
  const backend = new Backend(await freePort(), { WATCHLIST: 'INFY.NS:1h,TCS.NS:5m' }, data)
  await backend.start()
  try {
    await page.goto(`${backend.base}/`)
    const items = page.getByTestId('watch-item')
    await expect(items).toHaveCount(2)
    await expect(items.nth(0)).toHaveAttribute('data-series', 'INFY.NS:1h')
    await expect(items.nth(0)).toContainText('no data')
    await expect(items.nth(1)).toHaveAttribute('data-series', 'TCS.NS:5m')
    await expect(items.nth(1).locator('.watch-model')).toHaveAttribute('title', 'active model for 180 min')
    // Nothing asked for in the URL: the first listed series with bars is shown.
    await expect(items.nth(1)).toHaveAttribute('aria-pressed', 'true')
    await expect.poll(async () => Number(await page.getByTestId('price-chart').getAttribute('data-candles'))).toBeGreaterThan(100)

    // A US series arrives in the lake: listed after WATCHLIST, charted on New York time.
    cliIn(data, 'sim', '--symbol', 'AAPL', '--timeframe', '15m', '--days', '10', '--seed', '6')
    cliIn(data, 'pipeline')
    await page.reload()
    await expect(items).toHaveCount(3)
    const aapl = items.nth(2)
    await expect(aapl).toHaveAttribute('data-series', 'AAPL:15m')
    await expect(aapl).toHaveAttribute('data-source', 'lake')
    await expect(aapl).toContainText('lake')
    await aapl.click()
    await expect(page).toHaveURL(/symbol=AAPL&timeframe=15m/)
    await expect.poll(async () => Number(await page.getByTestId('price-chart').getAttribute('data-candles'))).toBeGreaterThan(50)
    await expect(page.getByTestId('price-chart')).toContainText('America/New_York')
    await page.screenshot({ path: join(artifacts, 'market-watchlist.png'), fullPage: true })
  } finally {
    await backend.stop()
  }
})
