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

  // The same trace full-size in the main-area Trace Viewer, at the inline step.
  const inlineStep = (await view.locator('.gt-counter').textContent()) ?? '';
  expect(inlineStep).not.toMatch(/^Step 1 of/);
  await view.locator('.gt-openViewer').click();
  const full = page.locator('.jp-MainAreaWidget .gt-TraceViewer');
  await expect(full).toBeVisible();
  await expect(full.locator('.gt-counter')).toHaveText(inlineStep);
  await expect(
    full.locator('.gt-variable[data-name="n"] .gt-variableValue')
  ).toHaveText('3');
  await expect(full.locator('.gt-callLabel').nth(1)).toHaveText(
    'factorial(n=4)'
  );
  await full.screenshot({ path: testInfo.outputPath('viewer-at-step.png') });
  await page.theme.setDarkTheme();
  await full.screenshot({
    path: testInfo.outputPath('viewer-at-step-dark.png')
  });
  await page.theme.setLightTheme();
  // One step further in the viewer: the step it is left at comes back after a reload.
  await full.locator('.gt-next').click();
  const viewerStep = (await full.locator('.gt-counter').textContent()) ?? '';
  expect(viewerStep).not.toBe(inlineStep);
  await page.waitForTimeout(800); // the viewer saves its step a moment after it changes
  await page.notebook.activate(name);

  await page.notebook.save();
  await page.reload();
  if (!(await page.notebook.isOpen(name))) {
    await page.notebook.openByPath(`${tmpPath}/${name}`);
  }
  const restored = page.locator('.jp-MainAreaWidget .gt-TraceViewer');
  await expect(restored.locator('.gt-counter')).toHaveText(viewerStep, {
    timeout: 30_000
  });
  await page.notebook.activate(name);
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

  // the toolbar button follows the active cell: off on a markdown cell, on again on code
  const button = page.locator(
    '.jp-NotebookPanel-toolbar [data-command="groundtrace:trace-cell"] button'
  );
  await expect(button).toBeEnabled();
  await page.notebook.addCell('markdown', 'Some *notes*');
  await page.notebook.selectCells(1);
  await expect(button).toBeDisabled();
  await page.notebook.selectCells(0);
  await expect(button).toBeEnabled();
});

test('A traced cell shows its Out[n], its prints, and its error at the line that raised', async ({
  page
}, testInfo) => {
  await page.notebook.createNew('out.ipynb');
  await typeInFirstCell(page, 'x = 6\nprint("side", x)\nx * 7');
  await page.locator('.jp-Cell').first().locator('.jp-InputPrompt').click();
  await page.keyboard.press('Alt+t');

  const cell = page.locator('.jp-Cell').first();
  await expect(cell.locator('.gt-TraceView')).toBeVisible({ timeout: 60_000 });
  const outputs = cell.locator('.jp-OutputArea-child');
  await expect(outputs).toHaveCount(3);
  await expect(outputs.nth(0).locator('.jp-OutputArea-output')).toHaveText(
    'side 6'
  );
  const result = outputs.nth(2);
  await expect(result.locator('.jp-OutputPrompt')).toHaveText('[1]:');
  await expect(result.locator('.jp-OutputArea-output')).toHaveText('42');
  await cell.screenshot({ path: testInfo.outputPath('cell-out.png') });
  await page.theme.setDarkTheme();
  await cell.screenshot({ path: testInfo.outputPath('cell-out-dark.png') });
  await page.theme.setLightTheme();

  // An error: reported at its own line of the cell, after the trace.
  await page.notebook.addCell(
    'code',
    'a = 1\nb = 0\nc = a / b\nprint("after")'
  );
  await page.notebook.selectCells(1);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Alt+t');
  const failing = page.locator('.jp-Cell').nth(1);
  await expect(failing.locator('.gt-TraceView')).toBeVisible({
    timeout: 60_000
  });
  const error = failing.locator(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
  );
  await expect(error).toContainText('ZeroDivisionError');
  await expect(error).toContainText('line 3');
  await expect(error).toContainText('c = a / b');
  await expect(error).not.toContainText('line 1');
  const failedView = failing.locator('.gt-TraceView');
  await failedView.getByRole('tab', { name: 'Snoop text' }).click();
  await expect(failedView.locator('.gt-snoopText')).toContainText(
    '!!! ZeroDivisionError: division by zero'
  );
  // Nothing after the line that raised ran.
  await expect(
    failing.locator(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]'
    )
  ).toHaveCount(0);
});

test('A rebound step key (Settings → Keyboard Shortcuts) steps the trace and shows in its titles', async ({
  page,
  tmpPath
}) => {
  // What the Keyboard Shortcuts editor saves when Next is rebound from → to J.
  await page.evaluate(async () => {
    const app = (window as any).jupyterapp;
    await app.serviceManager.settings.save(
      '@jupyterlab/shortcuts-extension:shortcuts',
      JSON.stringify({
        shortcuts: [
          {
            command: 'groundtrace:step-next',
            keys: ['ArrowRight'],
            selector:
              '.gt-TraceView[role="group"][tabindex="0"]:focus:not(.jp-mod-readWrite)',
            disabled: true
          },
          {
            command: 'groundtrace:step-next',
            keys: ['J'],
            selector:
              '.gt-TraceView[role="group"][tabindex="0"]:focus:not(.jp-mod-readWrite)'
          }
        ]
      })
    );
  });
  // Load the app again so the shortcuts are read anew, in the test's own folder (a
  // plain reload can restore another folder, and new notebooks go there).
  await page.goto(`tree/${tmpPath}`);
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
  await expect
    .poll(() => page.filebrowser.getCurrentDirectory(), { timeout: 30_000 })
    .toBe(tmpPath);
  await page.notebook.createNew('rebound.ipynb');
  await typeInFirstCell(page, CODE);
  await page.locator('.jp-Cell').first().locator('.jp-InputPrompt').click();
  await page.keyboard.press('Alt+t');
  const view = page.locator('.jp-Cell').first().locator('.gt-TraceView');
  await expect(view).toBeVisible({ timeout: 60_000 });
  await expect(view.locator('.gt-next')).toHaveAttribute(
    'title',
    'Next step (J)'
  );
  await view.focus();
  await page.keyboard.press('j');
  await expect(view.locator('.gt-counter')).toHaveText(/^Step 2 of/);
  await page.keyboard.press('ArrowRight'); // no longer bound
  await expect(view.locator('.gt-counter')).toHaveText(/^Step 2 of/);
  await page.keyboard.press('End');
  await expect(view.locator('.gt-next')).toBeDisabled();

  // The step commands are in the command palette too.
  await page.keyboard.press('Control+Shift+c');
  await page.keyboard.insertText('Step back over');
  await expect(
    page.locator(
      '.lm-CommandPalette-item[data-command="groundtrace:step-back-over"]'
    )
  ).toBeVisible();
});
