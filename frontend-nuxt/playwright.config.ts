// End-to-end tests in Debian's Chromium (/usr/bin/chromium, installed by
// scripts/install-deps; Playwright never downloads a browser here) against the
// real regimecast binary serving the built UI (.output/public). The tests
// start, kill and restart the server themselves (tests/e2e/backend.ts).
import { defineConfig } from '@playwright/test'

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  globalSetup: './tests/e2e/global-setup.ts',
  use: {
    headless: true,
    viewport: { width: 1440, height: 900 },
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // root in containers: Chromium's sandbox needs user namespaces we may not have
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    },
  },
})
