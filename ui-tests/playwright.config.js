/**
 * Galata's Playwright settings, run in Debian's chromium (Playwright cannot
 * download its own browsers here).
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

// GROUNDTRACE_UI_PORT lets two runs (or a run beside the demo) use their own servers.
const PORT = Number(process.env.GROUNDTRACE_UI_PORT || 8899);
// The vLLM-shaped fake behind the server's translator route (jupyter_server_test_config.py).
const TRANSLATOR_PORT = Number(
  process.env.GROUNDTRACE_UI_TRANSLATOR_PORT || 8897
);
// GROUNDTRACE_UI_REAL_VLLM=1: the translator is the real vLLM (the demo's, CPU build) and
// only the *.real-vllm.spec.ts tests run; without it they are left out.
const REAL_VLLM = process.env.GROUNDTRACE_UI_REAL_VLLM === '1';
// GROUNDTRACE_UI_VLLM_RUNNING=1: that vLLM is already up on the translator port (scripts/test.sh
// starts one for the whole run, shared with pytest), so none is started here.
const VLLM_RUNNING = process.env.GROUNDTRACE_UI_VLLM_RUNNING === '1';
const REAL_VLLM_MODEL = 'smollm2-135m-instruct-demo';
const PYTHON =
  process.env.GROUNDTRACE_PYTHON ||
  (require('fs').existsSync('../.venv/bin/python')
    ? '../.venv/bin/python'
    : 'python3');

module.exports = {
  ...baseConfig,
  ...(REAL_VLLM
    ? { testMatch: '**/*.real-vllm.spec.ts' }
    : { testIgnore: '**/*.real-vllm.spec.ts' }),
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
  webServer: [
    REAL_VLLM && VLLM_RUNNING
      ? null
      : REAL_VLLM
        ? {
            command: `bash ../scripts/vllm-server.sh --port ${TRANSLATOR_PORT}`,
            url: `http://127.0.0.1:${TRANSLATOR_PORT}/health`,
            timeout: 900 * 1000, // about 80 s idle; a busy 2-core machine takes longer
            reuseExistingServer: !process.env.CI
          }
        : {
            // Slow enough chunks that a test can stop a narration mid-stream.
            command: `${PYTHON} ../tests/fake_vllm.py --port ${TRANSLATOR_PORT} --chunk-delay 0.12 --words-per-chunk 3`,
            url: `http://127.0.0.1:${TRANSLATOR_PORT}/health`,
            timeout: 30 * 1000,
            reuseExistingServer: !process.env.CI
          },
    {
      command: `GROUNDTRACE_UI_TRANSLATOR_PORT=${TRANSLATOR_PORT} ${
        REAL_VLLM ? `GROUNDTRACE_UI_TRANSLATOR_MODEL=${REAL_VLLM_MODEL} ` : ''
      }npm start -- --ServerApp.port=${PORT}`,
      url: `http://localhost:${PORT}/lab`,
      timeout: 120 * 1000,
      reuseExistingServer: !process.env.CI
    }
  ].filter(Boolean)
};
