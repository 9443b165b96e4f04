// Subscribes the current component to a /ws channel for its lifetime. While
// the tab is hidden, messages wait in a VisibilityGate and are applied in
// order when it is visible again (the socket itself stays connected).
import { onBeforeUnmount, watch, type Ref } from 'vue'
import type { ChannelMessage } from '~/utils/realtime-socket'
import { VisibilityGate } from '~/utils/visibility-gate'

export function useSeriesChannel(
  channel: Ref<string | null>,
  onMessage: (message: ChannelMessage) => void,
  onReset: () => void,
) {
  const { $socket } = useNuxtApp()
  const gate = new VisibilityGate<ChannelMessage>(() => document.hidden, onMessage, onReset)
  const flush = () => gate.flush()
  document.addEventListener('visibilitychange', flush)
  let off: (() => void) | null = null

  watch(
    channel,
    (name) => {
      off?.()
      off = null
      gate.clear()
      if (!name) return
      off = $socket.subscribe(name, { onMessage: (message) => gate.push(message), onReset: () => gate.requestReset() })
    },
    { immediate: true },
  )

  onBeforeUnmount(() => {
    off?.()
    document.removeEventListener('visibilitychange', flush)
  })
}
