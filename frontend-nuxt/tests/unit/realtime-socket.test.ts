import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { backoffDelay, parseServerFrame, RealtimeSocket, websocketUrl, type ChannelMessage, type SocketLike } from '../../utils/realtime-socket'

// A scripted server end of one connection.
class FakeSocket implements SocketLike {
  readyState = 0
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  sent: Record<string, unknown>[] = []
  closedByClient = false
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data))
  }
  close() {
    this.closedByClient = true
    this.readyState = 3
  }
  // --- server side ---
  open() {
    this.readyState = 1
    this.onopen?.({})
  }
  push(frame: unknown) {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) })
  }
  drop() {
    this.readyState = 3
    this.onclose?.({ code: 1006, reason: '' })
  }
}

const HEARTBEAT_MS = 20_000

function setup(random = () => 0.5) {
  const sockets: FakeSocket[] = []
  const client = new RealtimeSocket({
    url: 'ws://test/ws',
    heartbeatIntervalMs: HEARTBEAT_MS,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    random,
    createSocket: (url) => {
      const socket = new FakeSocket(url)
      sockets.push(socket)
      return socket
    },
  })
  const last = () => sockets[sockets.length - 1]!
  return { client, sockets, last }
}

function bar(channel: string, seq: number, close = 100 + seq) {
  return { type: 'bar', channel, seq, data: { ts: `2026-12-01T04:${String(seq).padStart(2, '0')}:00Z`, close } }
}

describe('backoffDelay', () => {
  it('doubles per attempt, is capped, and jitters within the upper half', () => {
    expect(backoffDelay(0, 500, 30_000, () => 0)).toBe(250)
    expect(backoffDelay(0, 500, 30_000, () => 1)).toBe(500)
    expect(backoffDelay(3, 500, 30_000, () => 1)).toBe(4000)
    expect(backoffDelay(3, 500, 30_000, () => 0)).toBe(2000)
    expect(backoffDelay(20, 500, 30_000, () => 1)).toBe(30_000)
    expect(backoffDelay(1000, 500, 30_000, () => 0.5)).toBe(22_500)
    const samples = new Set(Array.from({ length: 50 }, () => backoffDelay(4, 500, 30_000, Math.random)))
    for (const delay of samples) {
      expect(delay).toBeGreaterThanOrEqual(4000)
      expect(delay).toBeLessThanOrEqual(8000)
    }
    expect(samples.size).toBeGreaterThan(1)
  })
})

describe('websocketUrl', () => {
  it('prefers NUXT_PUBLIC_WS_BASE, then the API base, then the page origin', () => {
    const page = { protocol: 'https:', host: 'rc.example:8443' }
    expect(websocketUrl('ws://backend:8182/', 'http://x', page)).toBe('ws://backend:8182/ws')
    expect(websocketUrl('', 'https://api.example/', page)).toBe('wss://api.example/ws')
    expect(websocketUrl('', 'http://127.0.0.1:8182', page)).toBe('ws://127.0.0.1:8182/ws')
    expect(websocketUrl('', '', page)).toBe('wss://rc.example:8443/ws')
    expect(websocketUrl('', '', { protocol: 'http:', host: 'localhost:8182' })).toBe('ws://localhost:8182/ws')
  })
})

describe('parseServerFrame', () => {
  it('accepts protocol objects and rejects everything else', () => {
    expect(parseServerFrame('{"type":"heartbeat","ts":"x"}')).toEqual({ type: 'heartbeat', ts: 'x' })
    for (const bad of ['', 'not json', '[1,2]', 'null', '{"no":"type"}', '{"type":3}', 42, null]) {
      expect(parseServerFrame(bad)).toBeNull()
    }
  })
})

describe('RealtimeSocket', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('connects on first subscribe, subscribes on open and delivers channel messages', () => {
    const { client, sockets, last } = setup()
    const states: string[] = []
    client.onStateChange((s) => states.push(s))
    const received: ChannelMessage[] = []
    client.subscribe('bars:TCS.NS:5m', { onMessage: (m) => received.push(m) })
    expect(sockets).toHaveLength(1)
    expect(client.state).toBe('connecting')
    last().open()
    expect(last().sent).toEqual([{ op: 'subscribe', channels: ['bars:TCS.NS:5m'] }])
    last().push({ type: 'subscribed', channels: ['bars:TCS.NS:5m'] })
    last().push(bar('bars:TCS.NS:5m', 1))
    last().push(bar('predictions:TCS.NS:5m', 1)) // not subscribed: ignored
    last().push('garbage')
    expect(received.map((m) => m.seq)).toEqual([1])
    expect(received[0]!.data.close).toBe(101)
    expect(states).toEqual(['connecting', 'open'])

    // A second channel on an open socket is subscribed at once; a second
    // handler of the same channel adds no message.
    client.subscribe('regime:TCS.NS:5m', { onMessage: () => {} })
    client.subscribe('regime:TCS.NS:5m', { onMessage: () => {} })
    expect(last().sent.slice(1)).toEqual([{ op: 'subscribe', channels: ['regime:TCS.NS:5m'] }])
    expect(sockets).toHaveLength(1) // one socket per page
  })

  it('unsubscribes only when the last handler of a channel leaves', () => {
    const { client, last } = setup()
    const a = { onMessage: vi.fn() }
    const b = { onMessage: vi.fn() }
    const offA = client.subscribe('regime:TCS.NS:5m', a)
    client.subscribe('regime:TCS.NS:5m', b)
    last().open()
    offA()
    expect(last().sent).toHaveLength(1)
    client.unsubscribe('regime:TCS.NS:5m', b)
    expect(last().sent[1]).toEqual({ op: 'unsubscribe', channels: ['regime:TCS.NS:5m'] })
    last().push({ type: 'regime', channel: 'regime:TCS.NS:5m', data: { state: 'volatile' } })
    expect(a.onMessage).not.toHaveBeenCalled()
    expect(b.onMessage).not.toHaveBeenCalled()
  })

  it('reconnects with growing jittered delays after drops and resets the backoff once connected', () => {
    const { client, sockets, last } = setup(() => 1)
    client.subscribe('bars:TCS.NS:5m', { onMessage: () => {} })
    last().open()
    last().drop()
    expect(client.state).toBe('reconnecting')
    // attempt 0: up to 500 ms
    vi.advanceTimersByTime(499)
    expect(sockets).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(sockets).toHaveLength(2)
    // the server is still down: the next attempts wait 1 s, then 2 s
    last().drop()
    vi.advanceTimersByTime(999)
    expect(sockets).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(sockets).toHaveLength(3)
    last().drop()
    vi.advanceTimersByTime(1999)
    expect(sockets).toHaveLength(3)
    vi.advanceTimersByTime(1)
    expect(sockets).toHaveLength(4)
    last().open()
    expect(client.state).toBe('open')
    last().drop()
    vi.advanceTimersByTime(500) // back to the first delay
    expect(sockets).toHaveLength(5)
  })

  it('resumes with the last sequence number per channel and drops replayed duplicates', () => {
    const { client, last } = setup()
    const bars: number[] = []
    const predictions: number[] = []
    client.subscribe('bars:TCS.NS:5m', { onMessage: (m) => bars.push(m.seq!) })
    client.subscribe('predictions:TCS.NS:5m', { onMessage: (m) => predictions.push(m.seq!) })
    last().open()
    for (let seq = 1; seq <= 41; seq++) last().push(bar('bars:TCS.NS:5m', seq))
    last().push({ type: 'prediction', channel: 'predictions:TCS.NS:5m', seq: 3, data: {} })
    last().drop()
    vi.advanceTimersByTime(30_000)
    last().open()
    expect(last().sent[0]).toEqual({
      op: 'subscribe',
      channels: ['bars:TCS.NS:5m', 'predictions:TCS.NS:5m'],
      since: { 'bars:TCS.NS:5m': 41, 'predictions:TCS.NS:5m': 3 },
    })
    // the server replays what was missed, possibly overlapping what we had
    last().push(bar('bars:TCS.NS:5m', 41))
    last().push(bar('bars:TCS.NS:5m', 42))
    last().push(bar('bars:TCS.NS:5m', 43))
    last().push(bar('bars:TCS.NS:5m', 42))
    expect(bars.slice(-3)).toEqual([41, 42, 43])
    expect(bars).toHaveLength(43)
    expect(client.lastSeqOf('bars:TCS.NS:5m')).toBe(43)
  })

  it('handles reset by asking the subscriber to re-fetch and continues from the server seq', () => {
    const { client, last } = setup()
    const seen: number[] = []
    const resets: string[] = []
    client.subscribe('bars:TCS.NS:5m', { onMessage: (m) => seen.push(m.seq!), onReset: (c) => resets.push(c) })
    last().open()
    last().push(bar('bars:TCS.NS:5m', 5))
    last().drop()
    vi.advanceTimersByTime(30_000)
    last().open()
    expect(last().sent[0]).toMatchObject({ since: { 'bars:TCS.NS:5m': 5 } })
    last().push({ type: 'reset', channel: 'bars:TCS.NS:5m', seq: 900 })
    expect(resets).toEqual(['bars:TCS.NS:5m'])
    last().push(bar('bars:TCS.NS:5m', 900))
    last().push(bar('bars:TCS.NS:5m', 901))
    last().push(bar('bars:TCS.NS:5m', 900))
    expect(seen).toEqual([5, 900, 901])
    // A later reconnect resumes from there.
    last().drop()
    vi.advanceTimersByTime(30_000)
    last().open()
    expect(last().sent[0]).toMatchObject({ since: { 'bars:TCS.NS:5m': 901 } })
  })

  it('treats a sequence gap as a reset (nothing is silently missed)', () => {
    const { client, last } = setup()
    const onReset = vi.fn()
    const onMessage = vi.fn()
    client.subscribe('bars:TCS.NS:5m', { onMessage, onReset })
    last().open()
    last().push(bar('bars:TCS.NS:5m', 1))
    last().push(bar('bars:TCS.NS:5m', 4))
    expect(onReset).toHaveBeenCalledTimes(1)
    last().push(bar('bars:TCS.NS:5m', 5))
    expect(onMessage.mock.calls.map(([m]) => m.seq)).toEqual([1, 5])
  })

  it('delivers messages without seq (servers that do not number them) every time', () => {
    const { client, last } = setup()
    const onMessage = vi.fn()
    client.subscribe('predictions:TCS.NS:5m', { onMessage })
    last().open()
    last().push({ type: 'prediction', channel: 'predictions:TCS.NS:5m', data: { expected_price: 1 } })
    last().push({ type: 'prediction', channel: 'predictions:TCS.NS:5m', data: { expected_price: 2 } })
    expect(onMessage).toHaveBeenCalledTimes(2)
    last().open()
    expect(last().sent.at(-1)).toEqual({ op: 'subscribe', channels: ['predictions:TCS.NS:5m'] })
  })

  it('reconnects when no heartbeat arrives for two intervals, and not before', () => {
    const { client, sockets, last } = setup(() => 0)
    client.subscribe('regime:TCS.NS:5m', { onMessage: () => {} })
    last().open()
    vi.advanceTimersByTime(HEARTBEAT_MS * 1.5)
    last().push({ type: 'heartbeat', ts: '2026-12-01T00:00:00Z' })
    vi.advanceTimersByTime(HEARTBEAT_MS * 1.9)
    expect(sockets).toHaveLength(1)
    expect(client.state).toBe('open')
    vi.advanceTimersByTime(HEARTBEAT_MS * 0.1)
    expect(client.state).toBe('reconnecting')
    expect(sockets[0]!.closedByClient).toBe(true)
    vi.advanceTimersByTime(250)
    expect(sockets).toHaveLength(2)
    // a stale socket's late events are ignored
    sockets[0]!.push(bar('regime:TCS.NS:5m', 1))
    sockets[0]!.onclose?.({ code: 1006, reason: '' })
    expect(sockets).toHaveLength(2)
  })

  it("times the watchdog by the server's interval from the subscribe reply, within sane bounds", () => {
    const { client, sockets, last } = setup(() => 0)
    client.subscribe('regime:TCS.NS:5m', { onMessage: () => {} })
    last().open()
    last().push({ type: 'subscribed', channels: ['regime:TCS.NS:5m'], heartbeat_seconds: 2 })
    expect(client.heartbeatIntervalMs).toBe(2_000)
    vi.advanceTimersByTime(3_900)
    expect(client.state).toBe('open')
    vi.advanceTimersByTime(100) // two of the server's intervals, far less than two of the default
    expect(client.state).toBe('reconnecting')
    vi.advanceTimersByTime(250)
    expect(sockets).toHaveLength(2)
    last().open()
    // Nonsense is ignored: the last good interval stays.
    for (const heartbeat_seconds of [0, -5, 1e9, 'x', null]) {
      last().push({ type: 'subscribed', channels: ['regime:TCS.NS:5m'], heartbeat_seconds })
    }
    expect(client.heartbeatIntervalMs).toBe(2_000)
    last().push({ type: 'subscribed', channels: ['regime:TCS.NS:5m'], heartbeat_seconds: 30 })
    vi.advanceTimersByTime(59_000)
    expect(client.state).toBe('open')
    vi.advanceTimersByTime(1_000)
    expect(client.state).toBe('reconnecting')
  })

  it('scheduleReconnect() recycles an open connection and close() stops for good', () => {
    const { client, sockets, last } = setup(() => 0.5)
    client.subscribe('regime:TCS.NS:5m', { onMessage: () => {} })
    last().open()
    const delay = client.scheduleReconnect()
    expect(delay).toBe(375)
    expect(sockets[0]!.closedByClient).toBe(true)
    vi.advanceTimersByTime(delay)
    expect(sockets).toHaveLength(2)
    last().open()
    client.close()
    expect(client.state).toBe('closed')
    vi.advanceTimersByTime(120_000)
    expect(sockets).toHaveLength(2)
  })

  it('keeps the server error for the page to show', () => {
    const { client, last } = setup()
    client.subscribe('regime:TCS.NS:5m', { onMessage: () => {} })
    last().open()
    last().push({ type: 'error', error: { code: 'invalid_argument', message: 'unknown channel kind', field: 'channels' } })
    expect(client.lastError).toEqual({ code: 'invalid_argument', message: 'unknown channel kind', field: 'channels' })
  })
})
