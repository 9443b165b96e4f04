// The regimecast server under test: a real `regimecast serve` on a loopback
// port with FRONTEND_DIR pointing at the built UI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, openSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
export const uiRoot = resolve(here, '../..')
export const artifacts = join(uiRoot, 'e2e-artifacts')
export const dataDir = join(artifacts, 'data')
export const frontendDir = join(uiRoot, '.output/public')

export function binary(): string {
  const candidates = [process.env.RC_BINARY, join(uiRoot, '../build/ci/bin/regimecast'), join(uiRoot, '../build/release/bin/regimecast')]
  const found = candidates.find((path) => path && existsSync(path))
  if (!found) throw new Error('no regimecast binary: build it (make build) or set RC_BINARY')
  return found
}

export function cli(...args: string[]): string {
  return cliIn(dataDir, ...args)
}

// `regimecast` with DATA_DIR=`data`: a lake of a test's own.
export function cliIn(data: string, ...args: string[]): string {
  const result = spawnSync(binary(), args, { env: { ...process.env, DATA_DIR: data }, encoding: 'utf8', timeout: 600_000 })
  if (result.status !== 0) throw new Error(`regimecast ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

export class Backend {
  private child: ChildProcess | null = null
  constructor(
    readonly port: number,
    private readonly extraEnv: Record<string, string> = {},
    private readonly data: string = dataDir,
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async start(): Promise<void> {
    mkdirSync(artifacts, { recursive: true })
    const log = openSync(join(artifacts, `server-${this.port}.log`), 'a')
    this.child = spawn(binary(), ['serve', '--host', '127.0.0.1', '--port', String(this.port), '--data-dir', this.data], {
      env: {
        ...process.env,
        FRONTEND_DIR: frontendDir,
        SCHEDULER_ENABLED: 'false',
        WS_HEARTBEAT_INTERVAL: '2',
        API_TOKEN: '',
        ...this.extraEnv,
      },
      stdio: ['ignore', log, log],
    })
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`regimecast exited with ${this.child.exitCode} (see ${artifacts})`)
      try {
        const response = await fetch(`${this.base}/health`)
        if (response.status === 200 || response.status === 503) return
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100))
    }
    throw new Error('regimecast did not answer /health within 30 s')
  }

  // SIGKILL: the page sees the connection vanish as in a crash.
  async kill(): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null) return
    await new Promise<void>((resolveExit) => {
      child.once('exit', () => resolveExit())
      child.kill('SIGKILL')
    })
    this.child = null
  }

  async stop(): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null) return
    await new Promise<void>((resolveExit) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      child.once('exit', () => {
        clearTimeout(timer)
        resolveExit()
      })
      child.kill('SIGTERM')
    })
    this.child = null
  }
}
