import { defineConfig } from '@playwright/test'

/**
 * The Electron shell driven by Playwright's `_electron`. Runs only where an Electron binary
 * exists (see scripts/electron-binary.mjs); elsewhere the spec skips with one line.
 */
export default defineConfig({
  testDir: 'tests/electron',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['./tests/electron/skip-reasons.ts']],
  outputDir: 'test-results/electron',
})
