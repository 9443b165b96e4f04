// $api: the typed REST client (utils/api-client.ts) against NUXT_PUBLIC_API_BASE
// (empty: this page's origin). The API token, when the server has one, is
// kept in this browser's localStorage and sent with mutating requests only.
import { createApiClient } from '~/utils/api-client'

export const TOKEN_KEY = 'regimecast.apiToken'

export default defineNuxtPlugin(() => {
  const config = useRuntimeConfig().public
  const api = createApiClient({
    base: String(config.apiBase ?? '').replace(/\/$/, ''),
    token: () => (import.meta.client ? (window.localStorage.getItem(TOKEN_KEY) ?? '') : ''),
  })
  return { provide: { api } }
})
