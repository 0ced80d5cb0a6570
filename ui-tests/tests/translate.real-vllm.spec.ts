import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';

import {
  datasetFiles,
  DOCS,
  mainViewer as viewer,
  openDatasetFolder,
  patientConditions,
  slowStartUse
} from './setup';

/**
 * The viewer's Translate streaming through the Jupyter server's route to the real vLLM
 * (its CPU build, serving the demo's SmolLM2-135M-Instruct). Runs with
 * GROUNDTRACE_UI_REAL_VLLM=1 (scripts/test.sh does), which makes playwright.config.js start
 * that server instead of the fake. The 135M model's narrations are demo quality: the
 * test asserts that tokens stream in and a verdict comes back, not which verdict.
 */

const FILES = datasetFiles('viewer_data.py');

test.use({ ...slowStartUse, viewport: { width: 1400, height: 860 } });
test.setTimeout(900_000);

test('Translate streams a narration from the real vLLM through the server route, then a verdict', async ({
  page,
  tmpPath
}) => {
  patientConditions(page);
  await openDatasetFolder(page, tmpPath, FILES);
  // A short answer: the model writes about ten tokens a second on two CPU cores.
  await page.evaluate(async () => {
    const app = (window as any).jupyterapp;
    await app.serviceManager.settings.save(
      'groundtrace:trace-viewer',
      JSON.stringify({ sampling: { temperature: 0.3, max_tokens: 96 } })
    );
  });
  await page.reload(); // the viewer reads its settings as the page loads
  await page
    .locator('#jupyterlab-splash')
    .waitFor({ state: 'detached', timeout: 120_000 });
  await page.evaluate(
    async ([file]) => {
      await (window as any).jupyterapp.commands.execute(
        'groundtrace:open-viewer',
        { path: file, id: '1_0' }
      );
    },
    [`${tmpPath}/ds/traces.jsonl`]
  );
  await expect(viewer(page)).toBeVisible({ timeout: 60_000 });
  const translate = viewer(page).locator('.gt-translate');
  const text = viewer(page).locator('.gt-narrationText');
  const status = viewer(page).locator('.gt-narrationStatus');

  await translate.click();
  // Tokens arrive while the answer is still being written: it streams.
  await expect(text).toHaveClass(/gt-mod-streaming/, { timeout: 600_000 });
  await expect(text).not.toHaveText('', { timeout: 600_000 });
  const early = (await text.textContent()) ?? '';
  await expect(viewer(page).locator('.gt-verdictChip')).toBeVisible({
    timeout: 600_000
  });
  const whole = (await text.textContent()) ?? '';
  expect(whole.length).toBeGreaterThan(early.length);
  await expect(status).not.toContainText('error', { ignoreCase: true });
  await viewer(page).screenshot({
    path: path.join(DOCS, 'viewer-translate-real-vllm.png')
  });
});
