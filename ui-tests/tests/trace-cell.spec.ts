import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

import { DOCS, patientConditions, slowStartUse } from './setup';

const CODE = [
  'def factorial(n):',
  '    if n <= 1:',
  '        return 1',
  '    return n * factorial(n - 1)',
  '',
  'result = factorial(4)'
].join('\n');

test.beforeEach(async ({ page, tmpPath }) => {
  patientConditions(page);
  await page.goto(`tree/${tmpPath}?reset`);
  // New notebooks go to the file browser's folder: make sure it is the test's own.
  await expect
    .poll(() => page.filebrowser.getCurrentDirectory(), { timeout: 30_000 })
    .toBe(tmpPath);
});

const SCREENSHOT_COPY = path.join(DOCS, 'trace-view.png');

/** Types into the first cell's editor as text input (no auto-indent), then leaves edit mode. */
async function typeInFirstCell(page: any, code: string): Promise<void> {
  await page.locator('.jp-Cell').first().locator('.cm-content').click();
  await page.keyboard.insertText(code);
  await page.keyboard.press('Escape');
}

test.use(slowStartUse);

test('Trace Cell shows a stepping trace that survives save and reload', async ({
  page,
  tmpPath
}, testInfo) => {
  const name = 'trace-cell.ipynb';
  await page.notebook.createNew(name);
  await typeInFirstCell(page, CODE);

  await page
    .locator(
      '.jp-NotebookPanel-toolbar [data-command="groundtrace:trace-cell"]'
    )
    .click();

  const cell = page.locator('.jp-Cell').first();
  const view = cell.locator('.gt-TraceView');
  await expect(view).toBeVisible({ timeout: 60_000 });
  await expect(cell.locator('.jp-InputPrompt')).toHaveText('[1]:');
  await expect(cell.locator('.cm-content')).not.toContainText('%%groundtrace');
  await expect(view.locator('.gt-counter')).toHaveText(/^Step 1 of \d+$/);
  await expect(view.locator('.gt-sourceLine.gt-mod-current')).toContainText(
    'def factorial(n):'
  );

  // Next until the first call: n is 4 and marked as changed.
  const next = view.locator('.gt-next');
  const description = view.locator('.gt-description');
  for (
    let i = 0;
    i < 5 && !(await description.textContent())?.startsWith('Call to');
    i++
  ) {
    await next.click();
  }
  await expect(description).toHaveText('Call to factorial(n=4)');
  const n = view.locator('.gt-variable[data-name="n"]');
  await expect(n.locator('.gt-variableValue')).toHaveText('4');
  await expect(n).toHaveClass(/gt-mod-changed/);

  // Keep stepping (with the → key) into the recursive call: n becomes 3.
  await view.focus();
  for (
    let i = 0;
    i < 6 && (await n.locator('.gt-variableValue').textContent()) !== '3';
    i++
  ) {
    await page.keyboard.press('ArrowRight');
  }
  await expect(n.locator('.gt-variableValue')).toHaveText('3');
  await expect(view.locator('.gt-stack')).toContainText('factorial:4');

  // The plain snoop text, with the current event's lines highlighted.
  await view.getByRole('tab', { name: 'Snoop text' }).click();
  await expect(view.locator('.gt-snoopText')).toContainText(
    '>>> Call to factorial'
  );
  await expect(
    view.locator('.gt-snoopLine.gt-mod-current').first()
  ).toBeVisible();
  await view.getByRole('tab', { name: 'Steps' }).click();

  const shot = testInfo.outputPath('trace-view.png');
  await cell.screenshot({ path: shot });
  fs.mkdirSync(path.dirname(SCREENSHOT_COPY), { recursive: true });
  fs.copyFileSync(shot, SCREENSHOT_COPY);
  // The view uses only theme variables: a dark-theme picture to look at too.
  await page.theme.setDarkTheme();
  await cell.screenshot({ path: testInfo.outputPath('trace-view-dark.png') });
  await page.theme.setLightTheme();

  // The same trace full-size in the main-area Trace Viewer.
  await view.locator('.gt-openViewer').click();
  const full = page.locator('.jp-MainAreaWidget .gt-TraceViewer');
  await expect(full).toBeVisible();
  await expect(full.locator('.gt-counter')).toHaveText(/^Step 1 of \d+$/);
  await expect(full.locator('.gt-callLabel').nth(1)).toHaveText(
    'factorial(n=4)'
  );
  await page.notebook.activate(name);

  await page.notebook.save();
  await page.reload();
  if (!(await page.notebook.isOpen(name))) {
    await page.notebook.openByPath(`${tmpPath}/${name}`);
  }
  const reopened = page.locator('.jp-Cell').first().locator('.gt-TraceView');
  await expect(reopened).toBeVisible({ timeout: 30_000 });
  await expect(reopened.locator('.gt-counter')).toHaveText(/^Step 1 of \d+$/);
  await reopened.locator('.gt-next').click();
  await expect(reopened.locator('.gt-counter')).toHaveText(/^Step 2 of \d+$/);
});

test('Trace Cell is in the cell context menu and on Alt T', async ({
  page
}) => {
  await page.notebook.createNew('shortcut.ipynb');
  await typeInFirstCell(page, 'values = [x * x for x in range(3)]');

  await page.locator('.jp-Cell').first().locator('.jp-InputArea-prompt').click({
    button: 'right'
  });
  await expect(
    page.locator('.lm-Menu-item[data-command="groundtrace:trace-cell"]')
  ).toBeVisible();
  await page.keyboard.press('Escape');
  await page.locator('.jp-Cell').first().locator('.jp-InputPrompt').click();

  await page.keyboard.press('Alt+t');
  const view = page.locator('.jp-Cell').first().locator('.gt-TraceView');
  await expect(view).toBeVisible({ timeout: 60_000 });
  await view.locator('.gt-buttons button[title^="Last"]').click();
  await expect(
    view.locator('.gt-variable[data-name="values"] .gt-variableValue')
  ).toHaveText('[0, 1, 4]');
});
