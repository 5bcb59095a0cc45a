import { existsSync } from 'node:fs'
import { defineConfig } from '@playwright/test'

/** Debian's Chromium (apt-get install chromium); Playwright's own browser download is never used. */
export const CHROMIUM = process.env.GUICHET_CHROMIUM ?? '/usr/bin/chromium'
if (!existsSync(CHROMIUM)) {
  throw new Error(`Chromium introuvable (${CHROMIUM}) : installez-le avec « apt-get install -y chromium » ou indiquez GUICHET_CHROMIUM.`)
}

export default defineConfig({
  testDir: 'tests/e2e',
  // Logs of the web shells and portals captured, then grepped for seeded data (issue 7, Logs).
  globalSetup: './tests/log-capture/playwright.global-setup.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  outputDir: 'test-results/e2e',
  use: {
    browserName: 'chromium',
    viewport: { width: 1366, height: 768 },
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--lang=fr-FR',
      ],
    },
  },
})
