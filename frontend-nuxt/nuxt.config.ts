// Regimecast front end. Built as a static SPA (`npm run generate`) that the
// regimecast binary serves from FRONTEND_DIR; `npm run dev` talks to a running
// backend through NUXT_PUBLIC_API_BASE / NUXT_PUBLIC_WS_BASE (runbook §3.2).
const devBackend = (process.env.RC_DEV_BACKEND ?? 'http://127.0.0.1:8182').replace(/\/$/, '')

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
      // The heartbeat interval until the server's "subscribed" reply says its
      // WS_HEARTBEAT_INTERVAL: two silent intervals mean a dead socket.
      wsHeartbeatSeconds: 20,
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
      // Declared so browsers do not ask for /favicon.ico, a 404 that counted in regimecast_errors_total.
      link: [{ rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }],
    },
  },
  nitro: {
    // file.gz beside each asset: the server sends it to browsers that accept gzip.
    compressPublicAssets: { gzip: true, brotli: false },
    // `npm run dev`: the page's own origin forwards the service's paths to a
    // running regimecast (RC_DEV_BACKEND, default :8182), so no CORS is needed.
    devProxy: Object.fromEntries(
      ['/api', '/ws', '/health', '/metrics', '/openapi.json'].map((path) => [
        path,
        { target: `${devBackend}${path}`, changeOrigin: true, ws: path === '/ws' },
      ]),
    ),
  },
  // No build-manifest polling: the server's no-cache HTML already picks up a deploy.
  experimental: { appManifest: false },
})
