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
 * A dataset item traced in the compact format (ui-tests/compact_data.py, the real tracer):
 * in the Trace Viewer its folded loop is one block that expands to its iterations, stepping
 * moves through them, and the snoop and compact texts can be switched.
 */

const FILES = datasetFiles('compact_data.py');

test.use({ ...slowStartUse, viewport: { width: 1400, height: 900 } });

test.beforeEach(async ({ page, tmpPath }) => {
  patientConditions(page);
  await openDatasetFolder(page, tmpPath, FILES);
});

test('a folded loop is one block that expands to its iterations; stepping goes through it; texts switch', async ({
  page
}) => {
  await page
    .locator('.jp-DirListing-item', { hasText: 'traces.jsonl' })
    .click({ button: 'right' });
  await page
    .locator('.lm-Menu-item', { hasText: 'Open in Trace Viewer' })
    .click();
  await page.locator('.jp-Dialog input').fill('7_0');
  await page.locator('.jp-Dialog .jp-mod-accept').click();
  await expect(viewer(page)).toBeVisible({ timeout: 30_000 });
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('application:toggle-left-area')
  );

  const text = viewer(page).locator('.gt-snoopText');
  const header = text.locator('.gt-mod-foldHeader');
  await expect(header).toHaveText(
    '▸ .............. [loop at line 3: iterations 4 to 28 of 30 folded]'
  );
  await expect(text.locator('.gt-mod-fold')).toHaveCount(4);
  await expect(
    text.locator('.gt-snoopLine', { hasText: 'i ran through 3, 4, ..., 27' })
  ).toBeVisible();
  await expect(
    text.locator('.gt-snoopLine', { hasText: 'i = 14' })
  ).toHaveCount(0);
  const widget = page.locator('.jp-MainAreaWidget:has(.gt-TraceViewer)');
  await text.hover(); // the whole block in the picture
  await page.mouse.wheel(0, 200);
  await page.waitForTimeout(300);
  await widget.screenshot({
    path: path.join(DOCS, 'viewer-compact-collapsed.png')
  });

  // stepping into the folded iterations marks the block
  const counter = viewer(page).locator('.gt-counter');
  await counter.click();
  for (let k = 0; k < 40; k++) {
    await page.keyboard.press('ArrowRight');
  }
  await expect(text.locator('.gt-mod-fold.gt-mod-current')).toHaveCount(4);

  // the block opens into the iterations it covers, where the current step is marked
  // (opened, the list scrolls to the current step's line inside the fold)
  await header.click();
  const inside = text.locator('.gt-mod-foldInside');
  expect(await inside.count()).toBeGreaterThan(5);
  await expect(
    text.locator('.gt-mod-foldInside.gt-mod-current').first()
  ).toBeVisible();
  await expect(
    text.locator('.gt-mod-foldInside', { hasText: /\.{10} i = \d+$/ }).first()
  ).toBeVisible();
  await widget.screenshot({
    path: path.join(DOCS, 'viewer-compact-expanded.png')
  });

  // snoop's own text, then back
  await viewer(page).locator('.gt-textFormat[data-format="snoop"]').click();
  await expect(text.locator('.gt-mod-foldHeader')).toHaveCount(0);
  await viewer(page).locator('.gt-textFormat[data-format="compact"]').click();
  expect(await text.locator('.gt-mod-foldInside').count()).toBeGreaterThan(5); // still open
});
