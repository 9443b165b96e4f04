// The market the end-to-end tests look at, made with what the binary has
// offline: a simulated TCS.NS 5m month through the pipeline, then an
// orchestrator model (README "Quick start without network access"). A second
// simulated series, RELIANCE.NS 5m (not INFY.NS: ui.spec asks for a series
// the lake lacks), gives the pooled model something to pool.
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { artifacts, cli, frontendDir } from './backend'

export default function globalSetup() {
  if (!existsSync(join(frontendDir, 'index.html'))) {
    throw new Error(`no built UI in ${frontendDir}: run \`npm run generate\` first`)
  }
  // Screenshots, server logs and data of this run only.
  rmSync(artifacts, { recursive: true, force: true })
  cli('sim', '--symbol', 'TCS.NS', '--timeframe', '5m', '--days', '30', '--seed', '7')
  cli('sim', '--symbol', 'RELIANCE.NS', '--timeframe', '5m', '--days', '30', '--seed', '8')
  cli('pipeline')
  cli('train', '--bot', 'orchestrator', '--symbol', 'TCS.NS', '--timeframe', '5m', '--horizon-minutes', '180')
}
