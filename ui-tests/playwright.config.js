/**
 * Galata's Playwright settings, run in Debian's chromium (Playwright cannot
 * download its own browsers here).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

// GROUNDTRACE_UI_PORT lets two runs (or a run beside the demo) use their own servers.
const PORT = Number(process.env.GROUNDTRACE_UI_PORT || 8899);

module.exports = {
  ...baseConfig,
  timeout: 120 * 1000,
  retries: 0,
  reporter: [['list']],
  use: {
    ...baseConfig.use,
    baseURL: `http://localhost:${PORT}`,
    video: 'off',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run'
      ]
    }
  },
  webServer: {
    command: `npm start -- --ServerApp.port=${PORT}`,
    url: `http://localhost:${PORT}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: !process.env.CI
  }
};
