// "A new bar arrives live": the replay market (PRIMARY_DATA_PROVIDER=replay)
// plays the shipped TCS sample as a live market in a lake of its own; the
// scheduler publishes each closed bar on bars:TCS.NS:5m with its sequence number.
import { expect, test } from '@playwright/test'
import { mkdtempSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { artifacts, Backend, freePort, uiRoot } from './backend'

test('a new bar arrives over the socket and extends the chart', async ({ page }) => {
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
    mkdtempSync(join(artifacts, 'replay-')),
  )
  await replay.start()
  try {
    await page.goto(`${replay.base}/`)
    await expect(page.getByTestId('connection-state')).toHaveAttribute('data-state', 'open')
    const chart = page.getByTestId('price-chart')
    await expect.poll(async () => Number(await chart.getAttribute('data-candles'))).toBeGreaterThan(0)
    const before = Number(await chart.getAttribute('data-candles'))
    await expect(page.getByTestId('live-bars')).not.toHaveText('0', { timeout: 60_000 })
    expect(Number(await chart.getAttribute('data-candles'))).toBeGreaterThanOrEqual(before)
    await page.screenshot({ path: join(artifacts, 'market-live-bar.png') })
  } finally {
    await replay.stop()
  }
})
