import { defineConfig } from 'vitest/config'

// Unit tests of plain TypeScript modules (socket client, data transforms):
// no Nuxt runtime needed, so they run in Node in a second.
export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
  },
})
