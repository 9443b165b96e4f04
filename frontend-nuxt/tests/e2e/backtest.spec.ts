// The Models page's forecast-quality panel against the real binary and the
// trained TCS.NS 5m market of global-setup.ts: before any backtest it shows
// the training run's out-of-fold numbers (and says so); "Run backtest" starts
// the job, shows its progress, and the panel then shows the numbers
// GET /api/models/backtest answers — also after a reload.
import { expect, test, type Page } from '@playwright/test'
import { join } from 'node:path'
import { artifacts, Backend, freePort } from './backend'

const SERIES = 'symbol=TCS.NS&timeframe=5m&horizon_minutes=180'
const pct = (v: number, digits = 1) => `${(v * 100).toFixed(digits)}%`

test('models page: run a backtest and read the verdict, families and coverage from the API', async ({ page }) => {
  const backend = new Backend(await freePort())
  await backend.start()
  try {
    await runAndRead(page, backend)
  } finally {
    await backend.stop()
  }
})

async function runAndRead(page: Page, backend: Backend) {
  const before = await fetch(`${backend.base}/api/models/backtest?${SERIES}`)
  expect(before.status).toBe(404)

  await page.goto(`${backend.base}/models`)
  const panel = page.getByTestId('backtest-panel')
  await expect(panel).toBeVisible()
  // No backtest yet: the training walk-forward's out-of-fold numbers, labelled as such.
  await expect(panel.getByTestId('backtest-source')).toHaveAttribute('data-source', 'training')
  await expect(panel.getByTestId('mape-ratio')).not.toHaveText('—')

  await panel.getByTestId('run-backtest').click()
  const job = panel.getByTestId('backtest-job')
  await expect(job).toBeVisible()
  await expect(job).toHaveAttribute('data-state', 'succeeded', { timeout: 90_000 })
  await expect(job).toContainText('step 2 of 2')
  await expect(panel.getByTestId('backtest-source')).toHaveAttribute('data-source', 'backtest')

  // The numbers on the page are the API's.
  const summary = await (await fetch(`${backend.base}/api/models/backtest?${SERIES}`)).json()
  await expect(panel.getByTestId('mape-ratio')).toHaveText(summary.mape_ratio.toFixed(4))
  const verdict = Math.abs(summary.mape_ratio - 1) < 1e-9 ? 'ties' : summary.mape_ratio < 1 ? 'beats' : 'loses'
  await expect(panel.getByTestId('backtest-headline')).toHaveAttribute('data-verdict', verdict)
  await expect(panel.getByTestId('directional')).toHaveText(pct(summary.directional_accuracy.value))
  await expect(panel.getByTestId('directional-ci')).toContainText(
    `${pct(summary.directional_accuracy.ci95_low)} – ${pct(summary.directional_accuracy.ci95_high)}`)

  const families = panel.getByTestId('family-table')
  for (const f of summary.families) {
    const row = families.locator(`tr[data-family="${f.family}"]`)
    await expect(row).toContainText(pct(f.pooled_weight))
    await expect(row.getByTestId('family-df')).toHaveText(String(f.skill_vs_naive.df))
    if (f.no_signal) await expect(row).toContainText('NO SIGNAL')
  }
  // The DM test's t reference: degrees of freedom from the pairs and the horizon (36 bars at 180 minutes).
  if (summary.model_vs_naive.df > 0) {
    await expect(panel.getByTestId('dm-reference')).toContainText(`t with ${summary.model_vs_naive.df} df`)
  }
  await expect(families.locator('tr[data-family="naive"]')).toHaveAttribute('data-verdict', 'baseline')
  // Each family alone: its own forecasts' MAPE ratio to naive, as the API reports it.
  type Forecast = { family: string; mape_ratio: number | null }
  const own = (summary.family_forecasts as Forecast[]).filter((f) => summary.families.some((g: { family: string }) => g.family === f.family))
  expect(own.length).toBeGreaterThan(1)
  for (const f of own) {
    await expect(families.locator(`tr[data-family="${f.family}"] [data-testid="family-mape-ratio"]`))
      .toHaveText(f.mape_ratio === null ? '—' : f.mape_ratio.toFixed(4))
  }

  const coverage = panel.getByTestId('coverage-table')
  // Each overall cell says whether it is within ±2 points (good), off by more than the noise of its
  // n / horizon_bars independent outcomes (bad), or off within that noise (noise).
  const independent = summary.model.n / Math.max(1, summary.horizon_bars)
  for (const band of summary.model.bands) {
    const cell = coverage.locator(`tr[data-scope="overall"] td[data-level="${band.level}"]`)
    await expect(cell).toContainText(pct(band.coverage))
    const off = Math.abs(band.coverage - band.level)
    const expected = off <= 0.02 ? 'good' : off > 1.96 * Math.sqrt(band.level * (1 - band.level) / independent) ? 'bad' : 'noise'
    await expect(cell).toHaveClass(new RegExp(`\\b${expected}\\b`))
  }
  for (const [regime, block] of Object.entries(summary.regimes) as [string, { model: { n: number; bands: { level: number; coverage: number }[] } }][]) {
    if (!block.model.n) continue
    const cell = coverage.locator(`tr[data-scope="${regime}"] td[data-level="${block.model.bands[1]!.level}"]`)
    await expect(cell).toContainText(pct(block.model.bands[1]!.coverage))
  }
  // The forecasts within the session and across the overnight, apart: the simulated NSE market pauses every night.
  type Set = { n: number; bands: { level: number; coverage: number }[] }
  const byBreak = summary.model_by_break as { within_session: Set; across_break: Set }
  expect(byBreak.within_session.n + byBreak.across_break.n).toBe(summary.model.n)
  expect(byBreak.across_break.n).toBeGreaterThan(0)
  for (const [scope, set] of Object.entries(byBreak)) {
    const cell = coverage.locator(`tr[data-scope="${scope}"] td[data-level="${set.bands[1]!.level}"]`)
    await expect(cell).toContainText(pct(set.bands[1]!.coverage))
  }
  // The served bands beside the reference method on the same points, with the interval score.
  const methods = panel.getByTestId('band-methods')
  type Bands = { level: number; coverage: number; interval_score: number }[]
  for (const [method, set] of [['served', summary.model], ['reference', summary.model_reference_bands]] as [string, { bands: Bands }][]) {
    const band = set.bands[2]!
    const row = methods.locator(`tr[data-method="${method}"]`)
    await expect(row.locator(`td[data-level="${band.level}"]`)).toContainText(pct(band.coverage))
    await expect(row.getByTestId('interval-score').nth(2)).toHaveText(pct(band.interval_score, 3))
  }
  await expect(panel.getByTestId('band-gain')).toBeVisible()
  for (const regime of Object.keys(summary.adaptive_levels ?? {})) {
    await expect(panel.locator(`[data-testid="adaptive-levels"] tr[data-regime="${regime}"]`)).toBeVisible()
  }

  // Whether the regimes mean what their names say: the ratio and each state's count, as the API reports them.
  type Meaning = { n: number }
  const meaning = summary.regime_meaning as { states: Record<string, Meaning>; volatile_to_range_vol: number | null; trending: Meaning }
  const ratio = panel.getByTestId('volatility-ratio')
  const ratioVerdict = meaning.volatile_to_range_vol === null ? 'unknown' : meaning.volatile_to_range_vol >= 1.5 ? 'met' : 'missed'
  await expect(ratio).toHaveAttribute('data-verdict', ratioVerdict)
  if (meaning.volatile_to_range_vol !== null) await expect(ratio).toContainText(`${meaning.volatile_to_range_vol.toFixed(2)}×`)
  const reported = Object.entries(meaning.states).filter(([, m]) => m.n > 0)
  expect(reported.length).toBeGreaterThan(1)
  for (const [state, m] of reported) {
    await expect(panel.locator(`[data-testid="regime-meaning"] tr[data-state="${state}"] td`).nth(1)).toHaveText(String(m.n))
  }
  // "Run backtest" backtests the series alone; the page says how to add the pooled model.
  await expect(panel.getByTestId('pooled-info')).toHaveAttribute('data-enabled', 'false')
  await expect(panel.getByTestId('pooled-info')).toContainText('--pooled')
  await expect(panel.getByTestId('backtest-extra')).toHaveCount(0)  // every field of the summary has its place
  await page.screenshot({ path: join(artifacts, 'models-backtest.png'), fullPage: true })

  // Saved: a reload shows the backtest without running it again.
  await page.reload()
  await expect(panel.getByTestId('backtest-source')).toHaveAttribute('data-source', 'backtest')
  await expect(panel.getByTestId('mape-ratio')).toHaveText(summary.mape_ratio.toFixed(4))
  await expect(panel.getByTestId('backtest-job')).toHaveCount(0)

  // "with the pooled model" sends "pooled": true: the pooled family competes and the page says what was pooled.
  await panel.getByTestId('backtest-pooled').check()
  await panel.getByTestId('run-backtest').click()
  await expect(job).toHaveAttribute('data-state', 'succeeded', { timeout: 90_000 })
  const withPooled = await (await fetch(`${backend.base}/api/models/backtest?${SERIES}`)).json()
  expect(withPooled.pooled).toMatchObject({ enabled: true, learner: 'ridge', series: ['RELIANCE.NS', 'TCS.NS'] })
  const pooledInfo = panel.getByTestId('pooled-info')
  await expect(pooledInfo).toHaveAttribute('data-enabled', 'true')
  await expect(pooledInfo).toContainText(`ridge over 2 series (RELIANCE.NS, TCS.NS), fitted in ${withPooled.pooled.fitted_blocks} of ${withPooled.pooled.blocks}`)
  await expect(families.locator('tr[data-family="pooled"]')).toBeVisible()
  await expect(panel.getByTestId('mape-ratio')).toHaveText(withPooled.mape_ratio.toFixed(4))
}
