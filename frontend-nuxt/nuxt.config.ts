// Regimecast front end. Built as a static SPA (`npm run generate`) that the
// regimecast binary serves from FRONTEND_DIR; `npm run dev` talks to a running
// backend through NUXT_PUBLIC_API_BASE / NUXT_PUBLIC_WS_BASE (runbook §3.2).
export default defineNuxtConfig({
  compatibilityDate: '2025-07-15',
  ssr: false,
  devtools: { enabled: false },
  telemetry: false,
  typescript: { strict: true, typeCheck: false },
  css: ['~/assets/main.css'],
  runtimeConfig: {
    public: {
      // Empty: the page's own origin (the regimecast server that served the UI).
      apiBase: '',
      wsBase: '',
      // The server's WS_HEARTBEAT_INTERVAL: two silent intervals mean a dead socket.
      wsHeartbeatSeconds: 20,
      // Series shown first in the watchlist (the server's WATCHLIST format).
      watchlist: 'TCS.NS:5m',
    },
  },
  app: {
    head: {
      title: 'Regimecast',
      htmlAttrs: { lang: 'en' },
      meta: [
        { name: 'viewport', content: 'width=device-width, initial-scale=1' },
        { name: 'color-scheme', content: 'light dark' },
        { name: 'description', content: 'Regime-aware market predictions: live charts, regimes and calibrated bands' },
      ],
    },
  },
  // No build-manifest polling: the server's no-cache HTML already picks up a deploy.
  experimental: { appManifest: false },
})
