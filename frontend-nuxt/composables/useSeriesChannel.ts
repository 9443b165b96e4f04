// Subscribes the current component to a /ws channel for its lifetime. While
// the tab is hidden, messages are queued rather than rendered and applied in
// order when it is visible again (the socket itself stays connected).
import { onBeforeUnmount, watch, type Ref } from 'vue'
import type { ChannelMessage } from '~/utils/realtime-socket'

export function useSeriesChannel(
  channel: Ref<string | null>,
  onMessage: (message: ChannelMessage) => void,
  onReset: () => void,
) {
  const { $socket } = useNuxtApp()
  let queued: ChannelMessage[] = []
  let resetPending = false
  let off: (() => void) | null = null

  const flush = () => {
    if (document.hidden) return
    if (resetPending) {
      resetPending = false
      queued = []
      onReset()
      return
    }
    const messages = queued
    queued = []
    for (const message of messages) onMessage(message)
  }
  document.addEventListener('visibilitychange', flush)

  watch(
    channel,
    (name) => {
      off?.()
      off = null
      queued = []
      if (!name) return
      off = $socket.subscribe(name, {
        onMessage: (message) => {
          queued.push(message)
          flush()
        },
        onReset: () => {
          resetPending = true
          flush()
        },
      })
    },
    { immediate: true },
  )

  onBeforeUnmount(() => {
    off?.()
    document.removeEventListener('visibilitychange', flush)
  })
}
