import { defineConfig } from '@playwright/test';

// Browser tests of the console against a real bin/idgate and stripe-mock (e2e/harness.ts
// starts them). The browser is Debian's Chromium: these machines cannot download
// Playwright's own (`apt-get install chromium`).
export default defineConfig({
  testDir: 'e2e',
  outputDir: '../tmp/console/results',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1360, height: 900 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run',
      ],
    },
  },
});
