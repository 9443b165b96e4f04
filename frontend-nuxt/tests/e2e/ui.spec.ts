// The Market, Models and Operations pages against the real binary: candles,
// regime shading, the prediction fan, the trigger button with the prediction
// arriving over the WebSocket, reconnect + resume after a server crash, and
// readable API errors. Screenshots of each page land in e2e-artifacts/.
import { expect, test, type Page } from '@playwright/test'
import { join } from 'node:path'
import { artifacts, Backend, freePort } from './backend'

let backend: Backend

test.beforeAll(async () => {
  backend = new Backend(await freePort())
  await backend.start()
})

test.afterAll(async () => {
  await backend.stop()
})

const chart = (page: Page) => page.getByTestId('price-chart')
const connection = (page: Page) => page.getByTestId('connection-state')

async function numberAttr(page: Page, attr: string): Promise<number> {
  return Number(await chart(page).getAttribute(attr))
}

test('market page: candles, regime shading, trigger, prediction over the socket', async ({ page }) => {
  const started = Date.now()
  await page.goto(`${backend.base}/`)
  await expect(chart(page)).toBeVisible()
  await expect.poll(() => numberAttr(page, 'data-candles')).toBeGreaterThan(100)
  const firstChartMs = Date.now() - started
  await expect.poll(() => numberAttr(page, 'data-regime-segments')).toBeGreaterThan(0)
  await expect(page.getByTestId('current-regime')).toBeVisible()
  await expect(connection(page)).toHaveAttribute('data-state', 'open')
  // The exchange zone is on the axis.
  await expect(chart(page)).toContainText('Asia/Kolkata')
  // The canvas really drew candles: its pixels are not one flat colour.
  const distinctColours = await page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="price-chart"] canvas') as HTMLCanvasElement | null
    if (!canvas) return 0
    const ctx = canvas.getContext('2d')!
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height)
    const seen = new Set<number>()
    for (let i = 0; i < data.length; i += 4 * 97) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!)
    return seen.size
  })
  expect(distinctColours).toBeGreaterThan(5)

  await expect(page.getByTestId('live-predictions')).toHaveText('0')
  await page.getByTestId('trigger').click()
  // The fan to the horizon: 180 minutes of 5-minute bars plus the anchor.
  await expect.poll(() => numberAttr(page, 'data-fan-points')).toBe(37)
  await expect(page.getByTestId('expected-price')).not.toHaveText('—')
  // The same prediction also arrives over the WebSocket.
  await expect(page.getByTestId('live-predictions')).toHaveText('1')
  await expect(page.getByTestId('prediction-panel')).toHaveAttribute('data-source', 'live')
  await page.screenshot({ path: join(artifacts, 'market.png'), fullPage: true })
  test.info().annotations.push({ type: 'time-to-first-chart-ms', description: String(firstChartMs) })
})

test('killing and restarting the server reconnects the page and it resumes', async ({ page, request }) => {
  await page.goto(`${backend.base}/`)
  await expect(connection(page)).toHaveAttribute('data-state', 'open')
  await expect.poll(() => numberAttr(page, 'data-candles')).toBeGreaterThan(100)
  await backend.kill()
  await expect(connection(page)).toHaveAttribute('data-state', 'reconnecting')
  await page.screenshot({ path: join(artifacts, 'market-reconnecting.png') })
  await backend.start()
  await expect(connection(page)).toHaveAttribute('data-state', 'open', { timeout: 60_000 })
  // Resubscribed: a prediction made by someone else reaches this page.
  const before = Number(await page.getByTestId('live-predictions').textContent())
  const trigger = await request.post(`${backend.base}/api/prediction/trigger`, {
    data: { symbol: 'TCS.NS', timeframe: '5m', horizon_minutes: 180 },
  })
  expect(trigger.status()).toBe(200)
  await expect(page.getByTestId('live-predictions')).toHaveText(String(before + 1))
})

test('a hidden tab keeps the socket but renders live messages only when visible again', async ({ page, request }) => {
  await page.goto(`${backend.base}/`)
  await expect(connection(page)).toHaveAttribute('data-state', 'open')
  await expect.poll(() => numberAttr(page, 'data-candles')).toBeGreaterThan(100)
  const setHidden = (hidden: boolean) =>
    page.evaluate((value) => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => value })
      document.dispatchEvent(new Event('visibilitychange'))
    }, hidden)
  await setHidden(true)
  const trigger = await request.post(`${backend.base}/api/prediction/trigger`, {
    data: { symbol: 'TCS.NS', timeframe: '5m', horizon_minutes: 180 },
  })
  expect(trigger.status()).toBe(200)
  await page.waitForTimeout(1500)
  await expect(page.getByTestId('live-predictions')).toHaveText('0')
  await expect(connection(page)).toHaveAttribute('data-state', 'open')
  await setHidden(false)
  await expect(page.getByTestId('live-predictions')).toHaveText('1')
})

test('API errors read as sentences, not blank charts', async ({ page }) => {
  await page.goto(`${backend.base}/?symbol=INFY.NS&timeframe=5m`)
  const error = page.getByTestId('bars-error')
  await expect(error).toBeVisible()
  await expect(error).toContainText('Not found')
  await expect(error).toContainText('INFY.NS')
  await expect(page.getByText('No chart:')).toBeVisible()
})

test('models page: champion, weights, curate and remove an override', async ({ page }) => {
  await page.goto(`${backend.base}/models`)
  await expect(page.getByTestId('champion')).not.toHaveText('—')
  await expect(page.getByTestId('metrics-table')).toBeVisible()
  // An invalid override names the field.
  const form = page.getByTestId('curate-form')
  await form.getByLabel('Who').fill('e2e analyst')
  await form.getByLabel('Why').fill('testing the override')
  const inputs = form.locator('input[type="number"]')
  const count = await inputs.count()
  expect(count).toBeGreaterThan(1)
  for (let idx = 0; idx < count; idx++) await inputs.nth(idx).fill('0')
  await form.getByLabel('naive', { exact: true }).fill('0.5')
  await form.getByRole('button', { name: 'Curate' }).click()
  await expect(page.getByTestId('curate-error')).toContainText('must sum to 1')
  await form.getByLabel('trend', { exact: true }).fill('0.5')
  await form.getByRole('button', { name: 'Curate' }).click()
  await expect(page.getByTestId('curated-banner')).toContainText('e2e analyst')
  await page.screenshot({ path: join(artifacts, 'models.png'), fullPage: true })
  await page.getByLabel('Who removes it').fill('e2e analyst')
  await page.getByTestId('uncurate').click()
  await expect(page.getByTestId('curated-banner')).toHaveCount(0)
  // Clearing stale models shows the dry run before anything can be removed.
  await expect(page.getByTestId('clear-confirm')).toBeDisabled()
  await page.getByTestId('clear-preview').click()
  await expect(page.getByTestId('clear-result')).toContainText('Would remove')
})

test('with API_TOKEN set, writes explain the token and work once it is entered', async ({ page }) => {
  const guarded = new Backend(await freePort(), { API_TOKEN: 'e2e-token' })
  await guarded.start()
  try {
    await page.goto(`${guarded.base}/`)
    await expect.poll(() => numberAttr(page, 'data-candles')).toBeGreaterThan(100)
    await page.getByTestId('trigger').click()
    await expect(page.getByTestId('trigger-error')).toContainText('API token needed')
    await page.getByRole('link', { name: 'Models', exact: true }).click()
    await page.getByPlaceholder('API_TOKEN').fill('e2e-token')
    await page.getByPlaceholder('API_TOKEN').press('Enter')
    await page.getByRole('link', { name: 'Market', exact: true }).click()
    await page.getByTestId('trigger').click()
    await expect.poll(() => numberAttr(page, 'data-fan-points')).toBe(37)
    await expect(page.getByTestId('trigger-error')).toHaveCount(0)
  } finally {
    await guarded.stop()
  }
})

test('one socket per page, across client-side navigation', async ({ page }) => {
  const sockets: string[] = []
  page.on('websocket', (ws) => sockets.push(ws.url()))
  await page.goto(`${backend.base}/`)
  await expect(connection(page)).toHaveAttribute('data-state', 'open')
  for (const [name, path] of [['Models', '/models'], ['Operations', '/operations'], ['Market', '/']] as const) {
    await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name, exact: true }).click()
    await expect(page).toHaveURL(new RegExp(`${path === '/' ? '/(\\?.*)?$' : path}`))
  }
  await expect.poll(() => numberAttr(page, 'data-candles')).toBeGreaterThan(100)
  expect(sockets).toEqual([`ws://127.0.0.1:${backend.port}/ws`])
})

test('operations page: health subsystems and websocket count', async ({ page }) => {
  await page.goto(`${backend.base}/operations`)
  const health = page.getByTestId('health')
  for (const subsystem of ['http', 'lake', 'websocket', 'models']) await expect(health).toContainText(subsystem)
  await expect(page.getByTestId('ws-active')).not.toHaveText('—')
  await page.screenshot({ path: join(artifacts, 'operations.png'), fullPage: true })
})

test('phone layout and dark theme', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true })
  const page = await context.newPage()
  await page.goto(`${backend.base}/`)
  await expect.poll(() => numberAttr(page, 'data-candles')).toBeGreaterThan(100)
  expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark')
  // Nothing wider than the screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  await page.screenshot({ path: join(artifacts, 'market-phone-dark.png'), fullPage: true })
  // Keyboard: the skip link and the navigation are reachable with Tab.
  await page.keyboard.press('Tab')
  await expect(page.getByText('Skip to content')).toBeFocused()
  // The pages of wide tables scroll them inside their panels, not the page.
  for (const [path, ready] of [['/models', 'family-table'], ['/operations', 'health']] as const) {
    await page.goto(`${backend.base}${path}`)
    await expect(page.getByTestId(ready)).toBeVisible()
    expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390)
  }
  await context.close()
})
