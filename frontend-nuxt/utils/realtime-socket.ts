// The browser side of the /ws protocol (see README "WebSocket"): one socket
// for the whole page, channel subscriptions, a heartbeat watchdog, reconnects
// with exponential backoff and jitter, and resume from the last sequence
// number seen per channel. Plain TypeScript with injected socket factory,
// timers and randomness so the Vitest suite can drive every path.

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface ChannelMessage {
  type: 'bar' | 'prediction' | 'regime'
  channel: string
  seq?: number
  data: Record<string, unknown>
}

export interface ServerError {
  code: string
  message: string
  field?: string
}

export interface ChannelHandlers {
  // A message for the channel, in order, never twice.
  onMessage: (message: ChannelMessage) => void
  // The server could not replay what was missed (or a gap was seen): the
  // subscriber re-fetches the channel's state over REST.
  onReset?: (channel: string) => void
}

// The subset of the WebSocket API used here (the DOM's WebSocket satisfies it).
export interface SocketLike {
  readyState: number
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}

export interface TimerApi {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface RealtimeSocketOptions {
  url: string
  // The heartbeat interval until the server says its own (WS_HEARTBEAT_INTERVAL,
  // in every "subscribed" reply); silence for two intervals means the
  // connection is dead even if TCP has not noticed.
  heartbeatIntervalMs: number
  baseDelayMs?: number
  maxDelayMs?: number
  createSocket?: (url: string) => SocketLike
  timers?: TimerApi
  random?: () => number
}

const OPEN = 1
// The server's interval is believed within these bounds (a bad value must not
// make the watchdog fire constantly or never).
const MIN_HEARTBEAT_MS = 1_000
const MAX_HEARTBEAT_MS = 3_600_000

// Delay before reconnect attempt `attempt` (0-based): exponential, capped, with
// "equal jitter" (half fixed, half random) so a restarted server is not hit by
// every client in the same millisecond.
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30))
  return Math.round(exponential / 2 + random() * (exponential / 2))
}

// The /ws URL: NUXT_PUBLIC_WS_BASE, else NUXT_PUBLIC_API_BASE with a ws
// scheme, else the page's own origin (ws: or wss: to match http: or https:).
export function websocketUrl(wsBase: string, apiBase: string, location: { protocol: string; host: string }): string {
  if (wsBase) return `${wsBase.replace(/\/$/, '')}/ws`
  if (apiBase) return `${apiBase.replace(/^http/, 'ws').replace(/\/$/, '')}/ws`
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`
}

// Validates one inbound frame; null for anything that is not a protocol message.
export function parseServerFrame(raw: unknown): Record<string, unknown> | null {
  if (typeof raw !== 'string') return null
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null
  const frame = value as Record<string, unknown>
  return typeof frame.type === 'string' ? frame : null
}

export class RealtimeSocket {
  private readonly options: Required<Omit<RealtimeSocketOptions, 'createSocket' | 'timers' | 'random'>>
  private readonly createSocket: (url: string) => SocketLike
  private readonly timers: TimerApi
  private readonly random: () => number
  private socket: SocketLike | null = null
  private readonly handlers = new Map<string, Set<ChannelHandlers>>()
  private readonly lastSeq = new Map<string, number>()
  // After a reset the server continues from its seq N: accept N again once.
  private readonly resetFloor = new Map<string, number>()
  private readonly stateListeners = new Set<(state: ConnectionState) => void>()
  private reconnectTimer: unknown = null
  private watchdogTimer: unknown = null
  private heartbeatMs: number
  private attempt = 0
  private stopped = false
  state: ConnectionState = 'idle'
  lastError: ServerError | null = null
  reconnects = 0

  constructor(options: RealtimeSocketOptions) {
    this.options = {
      url: options.url,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 30_000,
    }
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url) as unknown as SocketLike)
    this.timers = options.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
    }
    this.random = options.random ?? Math.random
    this.heartbeatMs = options.heartbeatIntervalMs
  }

  // The interval the watchdog times: the server's once it has said it.
  get heartbeatIntervalMs(): number {
    return this.heartbeatMs
  }

  // Subscribes to `channel`; connects on first use. Returns the unsubscribe.
  subscribe(channel: string, handlers: ChannelHandlers): () => void {
    let set = this.handlers.get(channel)
    const isNew = !set
    if (!set) {
      set = new Set()
      this.handlers.set(channel, set)
    }
    set.add(handlers)
    if (this.state === 'idle' || this.state === 'closed') {
      this.stopped = false
      this.connect()
    } else if (isNew && this.isOpen()) {
      this.send({ op: 'subscribe', channels: [channel], ...this.sinceFor([channel]) })
    }
    return () => this.unsubscribe(channel, handlers)
  }

  unsubscribe(channel: string, handlers?: ChannelHandlers): void {
    const set = this.handlers.get(channel)
    if (!set) return
    if (handlers) set.delete(handlers)
    else set.clear()
    if (set.size > 0) return
    this.handlers.delete(channel)
    this.lastSeq.delete(channel)
    this.resetFloor.delete(channel)
    if (this.isOpen()) this.send({ op: 'unsubscribe', channels: [channel] })
  }

  channels(): string[] {
    return [...this.handlers.keys()]
  }

  lastSeqOf(channel: string): number | undefined {
    return this.lastSeq.get(channel)
  }

  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener)
    return () => this.stateListeners.delete(listener)
  }

  connect(): void {
    this.clearReconnect()
    this.setState(this.reconnects > 0 || this.attempt > 0 ? 'reconnecting' : 'connecting')
    let socket: SocketLike
    try {
      socket = this.createSocket(this.options.url)
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    socket.onopen = () => {
      if (this.socket !== socket) return
      this.attempt = 0
      this.setState('open')
      this.armWatchdog()
      const channels = this.channels()
      if (channels.length > 0) this.send({ op: 'subscribe', channels, ...this.sinceFor(channels) })
    }
    socket.onmessage = (event) => {
      if (this.socket !== socket) return
      this.armWatchdog()
      this.handleFrame(event.data)
    }
    socket.onclose = () => {
      if (this.socket !== socket) return
      this.socket = null
      this.clearWatchdog()
      if (!this.stopped) this.scheduleReconnect()
    }
    socket.onerror = () => {
      // onclose follows; the reconnect is scheduled there.
    }
  }

  // Drops the current connection (if any) and connects again after the
  // backoff delay; the runbook's remedy for a flooded or stuck socket.
  // Returns the delay in milliseconds.
  scheduleReconnect(): number {
    this.dropSocket()
    this.clearReconnect()
    const delay = backoffDelay(this.attempt, this.options.baseDelayMs, this.options.maxDelayMs, this.random)
    this.attempt += 1
    this.reconnects += 1
    this.setState('reconnecting')
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null
      if (!this.stopped) this.connect()
    }, delay)
    return delay
  }

  close(): void {
    this.stopped = true
    this.clearReconnect()
    this.dropSocket()
    this.setState('closed')
  }

  ping(): void {
    this.send({ op: 'ping' })
  }

  private isOpen(): boolean {
    return this.socket !== null && this.socket.readyState === OPEN && this.state === 'open'
  }

  private send(message: Record<string, unknown>): void {
    if (this.socket && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(message))
  }

  private sinceFor(channels: string[]): { since?: Record<string, number> } {
    const since: Record<string, number> = {}
    for (const channel of channels) {
      const seq = this.lastSeq.get(channel)
      if (seq !== undefined) since[channel] = seq
    }
    return Object.keys(since).length > 0 ? { since } : {}
  }

  private handleFrame(raw: unknown): void {
    const frame = parseServerFrame(raw)
    if (!frame) return
    switch (frame.type) {
      case 'bar':
      case 'prediction':
      case 'regime':
        this.deliver(frame)
        return
      case 'reset':
        if (typeof frame.channel === 'string' && typeof frame.seq === 'number') {
          this.lastSeq.set(frame.channel, frame.seq)
          this.resetFloor.set(frame.channel, frame.seq)
          this.notifyReset(frame.channel)
        }
        return
      case 'error': {
        const error = frame.error as Partial<ServerError> | undefined
        if (error && typeof error.message === 'string') {
          this.lastError = { code: String(error.code ?? 'error'), message: error.message, field: error.field }
        }
        return
      }
      case 'subscribed':
        if (typeof frame.heartbeat_seconds === 'number' && Number.isFinite(frame.heartbeat_seconds)) {
          const ms = frame.heartbeat_seconds * 1000
          if (ms >= MIN_HEARTBEAT_MS && ms <= MAX_HEARTBEAT_MS && ms !== this.heartbeatMs) {
            this.heartbeatMs = ms
            this.armWatchdog() // re-armed above with the old interval
          }
        }
        return
      default:
        return // pong, heartbeat: the watchdog was re-armed above
    }
  }

  private deliver(frame: Record<string, unknown>): void {
    const channel = frame.channel
    if (typeof channel !== 'string' || typeof frame.data !== 'object' || frame.data === null) return
    const set = this.handlers.get(channel)
    if (!set) return
    const seq = typeof frame.seq === 'number' && Number.isInteger(frame.seq) ? frame.seq : undefined
    if (seq !== undefined) {
      const last = this.lastSeq.get(channel)
      const floor = this.resetFloor.get(channel)
      this.resetFloor.delete(channel)
      if (last !== undefined && seq <= last && seq !== floor) return // replayed twice: already applied
      const gap = last !== undefined && seq > last + 1
      this.lastSeq.set(channel, seq)
      if (gap) {
        // Messages were lost without a reset: the REST state is the truth.
        this.notifyReset(channel)
        return
      }
    }
    const message = { type: frame.type, channel, seq, data: frame.data } as ChannelMessage
    for (const handlers of [...set]) handlers.onMessage(message)
  }

  private notifyReset(channel: string): void {
    for (const handlers of [...(this.handlers.get(channel) ?? [])]) handlers.onReset?.(channel)
  }

  private armWatchdog(): void {
    this.clearWatchdog()
    this.watchdogTimer = this.timers.setTimeout(() => {
      this.watchdogTimer = null
      this.scheduleReconnect()
    }, 2 * this.heartbeatMs)
  }

  private clearWatchdog(): void {
    if (this.watchdogTimer !== null) this.timers.clearTimeout(this.watchdogTimer)
    this.watchdogTimer = null
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== null) this.timers.clearTimeout(this.reconnectTimer)
    this.reconnectTimer = null
  }

  private dropSocket(): void {
    this.clearWatchdog()
    const socket = this.socket
    this.socket = null
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null
      try {
        socket.close(1000, 'reconnect')
      } catch {
        // already closed
      }
    }
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return
    this.state = state
    for (const listener of [...this.stateListeners]) listener(state)
  }
}
