// "A new bar arrives live", written against the replay-market contract
// (PRIMARY_DATA_PROVIDER=replay plays stored bars as a live market and
// publishes them on bars:SYMBOL:TF with sequence numbers). Servers without
// the replay market (no GET /api/scheduler/jobs) skip it, detected at run time.
import { expect, test } from '@playwright/test'
import { join } from 'node:path'
import { artifacts, Backend, freePort } from './backend'

test('a new bar arrives over the socket and extends the chart', async ({ page }) => {
  const probe = new Backend(await freePort())
  await probe.start()
  const jobs = await fetch(`${probe.base}/api/scheduler/jobs`)
  await probe.stop()
  test.skip(jobs.status === 404, 'this server has no replay market yet (GET /api/scheduler/jobs answers 404)')

  const replay = new Backend(await freePort(), {
    PRIMARY_DATA_PROVIDER: 'replay',
    REPLAY_SOURCE: 'lake:raw',
    REPLAY_SPEED: '600',
    WATCHLIST: 'TCS.NS:5m',
    SCHEDULER_ENABLED: 'true',
  })
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
