// $socket: the page's one WebSocket to /ws (runbook §4 "Websocket Flood":
// `$socket.scheduleReconnect()` recycles it). Its connection state is reactive
// for the header.
import { reactive } from 'vue'
import { RealtimeSocket, websocketUrl, type ConnectionState } from '~/utils/realtime-socket'

export default defineNuxtPlugin(() => {
  const config = useRuntimeConfig().public
  const socket = new RealtimeSocket({
    url: websocketUrl(String(config.wsBase ?? ''), String(config.apiBase ?? ''), window.location),
    heartbeatIntervalMs: Number(config.wsHeartbeatSeconds ?? 20) * 1000,
  })
  const status = reactive({ state: socket.state as ConnectionState, reconnects: 0 })
  socket.onStateChange((state) => {
    status.state = state
    status.reconnects = socket.reconnects
  })
  window.addEventListener('beforeunload', () => socket.close())
  // Connected from the start on every page, so the header shows the real
  // state; pages add their channels as they mount.
  socket.connect()
  return { provide: { socket, socketStatus: status } }
})
