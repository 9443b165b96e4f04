import { fileURLToPath } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'

// Unit tests of plain TypeScript modules (socket client, data transforms) and
// of components rendered with Vue's server renderer: no Nuxt runtime and no
// DOM needed, so they run in Node in a second. `~` is the Nuxt source root.
export default defineConfig({
  plugins: [vue()],
  resolve: { alias: { '~': fileURLToPath(new URL('.', import.meta.url)) } },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
  },
})
