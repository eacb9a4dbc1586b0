import { defineConfig } from '@playwright/test';

// Run by scripts/test once per database backend: it loads the demo data into
// VIGIA_DATABASE_URL first; Playwright starts the built server on it.
const port = process.env.VIGIA_E2E_PORT ?? '3000';
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  retries: 0,
  workers: 1,
  reporter: [['list']],
  outputDir: `./test-results/${process.env.VIGIA_E2E_BACKEND ?? 'sqlite'}`,
  use: {
    baseURL,
    locale: 'en-US', // the browser asks for English: Vigía still starts in Spanish
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  webServer: {
    command: '../target/debug/vigia serve',
    url: `${baseURL}/readyz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      VIGIA_BIND: `127.0.0.1:${port}`,
      VIGIA_DATABASE_URL: process.env.VIGIA_DATABASE_URL ?? 'sqlite://../target/e2e/vigia.db',
      LEPTOS_SITE_ROOT: '../target/site',
      // The server's own files (its secret key) stay out of the source tree.
      VIGIA_DATA_DIR: process.env.VIGIA_E2E_DATA_DIR ?? '../target/e2e-data',
      // The browser tests set up a second factor for the roles that have
      // one here; the Rust tests check that every role needs one by default.
      VIGIA_TOTP_REQUIRED_ROLES: 'admin,supervisor',
    },
  },
});
