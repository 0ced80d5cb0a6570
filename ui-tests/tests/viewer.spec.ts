import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
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
 * The main-area Trace Viewer on a dataset item made by the real tracer, whose values
 * and stored narration carry HTML that must never run; the translator is the fake
 * vLLM server playwright.config.js starts behind the Jupyter server's route.
 */

const FILES = datasetFiles('viewer_data.py');

test.use({ ...slowStartUse, viewport: { width: 1400, height: 860 } });

test.beforeEach(async ({ page, tmpPath }) => {
  patientConditions(page);
  await openDatasetFolder(page, tmpPath, FILES);
});

const counter = (page: IJupyterLabPageFixture) =>
  viewer(page).locator('.gt-counter');
const description = (page: IJupyterLabPageFixture) =>
  viewer(page).locator('.gt-description');

/** Nothing the data carries ran, and no script or event handler reached the DOM. */
async function expectNothingRan(page: IJupyterLabPageFixture): Promise<void> {
  expect(await page.evaluate(() => (window as any).__gtXss)).toBeUndefined();
  expect(await viewer(page).locator('script').count()).toBe(0);
  expect(await viewer(page).locator('[onerror]').count()).toBe(0);
}

async function press(page: IJupyterLabPageFixture, key: string) {
  await page.keyboard.press(key);
}

test('opens a record from the file browser and steps by keys, snoop lines and marks; values run nothing; the step survives a reload', async ({
  page,
  tmpPath
}, testInfo) => {
  await page
    .locator('.jp-DirListing-item', { hasText: 'traces.jsonl' })
    .click({ button: 'right' });
  await page
    .locator('.lm-Menu-item', { hasText: 'Open in Trace Viewer' })
    .click();
  const input = page.locator('.jp-Dialog input');
  await input.fill('1_0');
  await page.locator('.jp-Dialog .jp-mod-accept').click();

  await expect(viewer(page)).toBeVisible({ timeout: 30_000 });
  await expect(counter(page)).toHaveText(/^Step 1 of \d+$/);
  const total = Number(
    /of (\d+)/.exec((await counter(page).textContent())!)![1]
  );
  await expect(viewer(page).locator('.gt-block-title').first()).toHaveText(
    'Question'
  );
  await expect(
    viewer(page).locator('.gt-block', { hasText: 'Returned output' })
  ).toContainText("{'count': 4, 'total': 152}");

  // keys: → ← Home End, n/p calls, Shift+→/← over a call
  await viewer(page).locator('.gt-counter').click();
  await press(page, 'ArrowRight');
  await expect(counter(page)).toHaveText(`Step 2 of ${total}`);
  await press(page, 'n');
  await expect(description(page)).toHaveText(
    'Call to shout(word=\'<img src=x onerror="window.__gtXss = 2">\')'
  );
  await press(page, 'p');
  await expect(description(page)).toHaveText(/^Call to main_solution/);
  await press(page, 'End');
  await expect(counter(page)).toHaveText(`Step ${total} of ${total}`);
  await press(page, 'Home');
  await expect(counter(page)).toHaveText(`Step 1 of ${total}`);
  for (let i = 0; i < 40; i++) {
    if (
      (await description(page).textContent()) ===
      'Line 10 of main_solution is about to run'
    ) {
      break;
    }
    await press(page, 'ArrowRight');
  }
  await expect(description(page)).toHaveText(
    'Line 10 of main_solution is about to run'
  );
  const atCall = await counter(page).textContent();
  await press(page, 'Shift+ArrowRight');
  await expect(description(page)).not.toContainText('shout');
  await expect(viewer(page).locator('.gt-stack')).toHaveText('');
  await press(page, 'Shift+ArrowLeft');
  await expect(counter(page)).toHaveText(atCall!);

  // the call tree's own keys move focus between calls, not the step
  const callLabels = viewer(page).locator('.gt-callLabel');
  await callLabels.first().focus();
  await press(page, 'ArrowDown');
  await expect(callLabels.nth(1)).toBeFocused();
  await expect(counter(page)).toHaveText(atCall!);
  await press(page, 'ArrowLeft');
  await expect(callLabels.first()).toBeFocused();
  await press(page, 'ArrowLeft'); // expanded: collapses
  await expect(callLabels).toHaveCount(1);
  await press(page, 'ArrowRight'); // collapsed: expands
  await expect(callLabels).not.toHaveCount(1);
  await press(page, 'End');
  await expect(callLabels.last()).toBeFocused();
  const lastCallStep = /Go to step (\d+)/.exec(
    (await callLabels.last().getAttribute('title'))!
  )![1];
  await press(page, 'Enter'); // the button's own key: go to that call
  await expect(counter(page)).toHaveText(`Step ${lastCallStep} of ${total}`);
  await viewer(page)
    .locator('.gt-callsPane')
    .screenshot({ path: testInfo.outputPath('call-tree-keys.png') });
  // back to where the steps below start
  await viewer(page).locator('.gt-counter').click();
  await press(page, 'Home');
  for (
    let i = 0;
    i < 40 && (await counter(page).textContent()) !== atCall;
    i++
  ) {
    await press(page, 'ArrowRight');
  }
  await expect(counter(page)).toHaveText(atCall!);

  // hit counts in the gutter: the loop test ran 4 times
  await expect(
    viewer(page)
      .locator('.gt-sourceLine', { hasText: 'if i % 2' })
      .locator('.gt-hits')
  ).toHaveText('4×');

  // a snoop line → its step, and the step → its snoop line
  const returnLine = viewer(page)
    .locator('.gt-snoopLine', { hasText: '<<< Return value from shout' })
    .first();
  await returnLine.click();
  await expect(description(page)).toHaveText(
    'Shout returned \'<img src=x onerror="window.__gtXss = 2">!\''
  );
  await expect(returnLine).toHaveClass(/gt-mod-current/);
  await expect(
    viewer(page).locator('.gt-sourceLine.gt-mod-current .gt-code')
  ).toHaveText('    return loud');

  // the stored narration, re-verified: the value not in the trace is marked and linked
  const mark = viewer(page).locator(
    '.gt-narrationText .gt-mark.gt-mod-ungrounded',
    {
      hasText: '987654'
    }
  );
  await expect(mark).toBeVisible({ timeout: 20_000 });
  const step = Number(await mark.getAttribute('data-step'));
  await mark.click();
  await expect(counter(page)).toHaveText(`Step ${step + 1} of ${total}`);
  await expect(viewer(page).locator('.gt-thinking')).toBeAttached();
  await expectNothingRan(page);
  // through JupyterLab's sanitizing Markdown renderer too
  await viewer(page).locator('.gt-asMarkdown').click();
  await expect(viewer(page).locator('.gt-narrationMarkdown')).toContainText(
    'Final answer'
  );
  await page.waitForTimeout(300);
  await expectNothingRan(page);
  await viewer(page).locator('.gt-asMarkdown').click();

  // screenshots, light and dark
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('application:toggle-left-area')
  );
  await viewer(page).locator('.gt-counter').click();
  const widget = page.locator('.jp-MainAreaWidget:has(.gt-TraceViewer)');
  await widget.screenshot({ path: path.join(DOCS, 'viewer-light.png') });
  await page.theme.setDarkTheme();
  await widget.screenshot({ path: path.join(DOCS, 'viewer-dark.png') });
  await page.theme.setLightTheme();
  // a narrow side-by-side layout stays readable (panes stack)
  await page.setViewportSize({ width: 700, height: 860 });
  await widget.screenshot({ path: path.join(DOCS, 'viewer-narrow.png') });
  await page.setViewportSize({ width: 1400, height: 860 });

  // the layout restorer reopens the viewer at its step
  await viewer(page).locator('.gt-counter').click();
  await press(page, 'ArrowRight');
  const kept = await counter(page).textContent();
  await page.waitForTimeout(800);
  await page.reload();
  await expect(viewer(page)).toBeVisible({ timeout: 60_000 });
  await expect(counter(page)).toHaveText(kept!);
  await expectNothingRan(page);

  // a tab whose file has gone since the last session is not reopened, and no dialog says so
  expect(await page.contents.deleteFile(`${tmpPath}/ds/traces.jsonl`)).toBe(
    true
  );
  const skipped = page.waitForEvent('console', {
    predicate: message =>
      message.text().includes('not reopening a trace viewer'),
    timeout: 60_000
  });
  await page.reload();
  await skipped;
  await expect(viewer(page)).toHaveCount(0);
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
});

test('Translate streams a narration through the server route, Stop cancels it, then a verdict with marks linked to steps', async ({
  page,
  tmpPath
}) => {
  await page.evaluate(
    async ([file]) => {
      await (window as any).jupyterapp.commands.execute(
        'groundtrace:open-viewer',
        { path: file, id: '1_0' }
      );
    },
    [`${tmpPath}/ds/traces.jsonl`]
  );
  await expect(viewer(page)).toBeVisible({ timeout: 30_000 });
  const translate = viewer(page).locator('.gt-translate');
  const stop = viewer(page).locator('.gt-stop');
  const text = viewer(page).locator('.gt-narrationText');
  const status = viewer(page).locator('.gt-narrationStatus');

  // stop mid-stream: some tokens arrived, then no more
  await translate.click();
  await expect(stop).toBeVisible();
  await expect(viewer(page).locator('.gt-thinkingText')).not.toHaveText('', {
    timeout: 20_000
  });
  await stop.click();
  await expect(status).toContainText('Stopped after');
  await expect(stop).toBeHidden();
  await expect(translate).toBeEnabled();
  const stoppedAt = await viewer(page)
    .locator('.gt-thinkingText')
    .textContent();
  await page.waitForTimeout(600);
  expect(await viewer(page).locator('.gt-thinkingText').textContent()).toBe(
    stoppedAt
  );
  await expect(viewer(page).locator('.gt-verdictChip')).toHaveCount(0);

  // a whole narration: tokens as they come, then the verdict from verify.py
  await translate.click();
  await expect(text).toHaveClass(/gt-mod-streaming/, { timeout: 20_000 });
  await expect(text).toContainText('We start from the given input', {
    timeout: 30_000
  });
  await expect(viewer(page).locator('.gt-verdictChip')).toHaveText('pass', {
    timeout: 60_000
  });
  await expect(viewer(page).locator('.gt-answer')).toContainText('matches');
  const grounded = text.locator('.gt-mark.gt-mod-grounded');
  expect(await grounded.count()).toBeGreaterThan(0);
  const target = grounded.last();
  const step = Number(await target.getAttribute('data-step'));
  await target.click();
  await expect(counter(page)).toHaveText(new RegExp(`^Step ${step + 1} of`));
  await expectNothingRan(page);
});
