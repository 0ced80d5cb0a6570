import { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** Settings every groundtrace UI test shares. */

export const REPO = path.resolve(__dirname, '..', '..');
export const DOCS = path.join(REPO, 'docs');
export const PYTHON =
  process.env.GROUNDTRACE_PYTHON ??
  (fs.existsSync(path.join(REPO, '.venv', 'bin', 'python'))
    ? path.join(REPO, '.venv', 'bin', 'python')
    : 'python3');
export const STARTUP_TIMEOUT = 120_000;

/**
 * Galata's `use` options: ready when the splash screen is gone, however slow a loaded
 * CI machine is (Galata's default also waits for a Launcher tab, which a reload does not show).
 */
export const slowStartUse = {
  autoGoto: false,
  waitForApplication: async (
    {},
    use: (fn: (page: any) => Promise<void>) => Promise<void>
  ) => {
    await use(async page => {
      await page
        .locator('#jupyterlab-splash')
        .waitFor({ state: 'detached', timeout: STARTUP_TIMEOUT });
    });
  }
};

/** Galata gives JupyterLab 15 s to start; a busy 2-core CI machine can need more. */
export function patientConditions(page: IJupyterLabPageFixture): void {
  const waitForCondition = page.waitForCondition.bind(page);
  page.waitForCondition = (fn, timeout) =>
    waitForCondition(fn, timeout ?? STARTUP_TIMEOUT);
}

/**
 * Uploads dataset files (name → text, as a ui-tests/*_data.py script prints them) into
 * `${tmpPath}/ds` and opens JupyterLab in that folder.
 */
export async function openDatasetFolder(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  files: Record<string, string>
): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    if (
      !(await page.contents.uploadContent(
        text,
        'text',
        `${tmpPath}/ds/${name}`
      ))
    ) {
      throw new Error(`could not upload ${tmpPath}/ds/${name}`);
    }
  }
  await page.goto(`tree/${tmpPath}/ds?reset`);
}

/** Dataset files (name → text) that a ui-tests/*_data.py script makes with the real tracer. */
export function datasetFiles(script: string): Record<string, string> {
  return JSON.parse(
    execFileSync(PYTHON, [path.join(REPO, 'ui-tests', script)], {
      encoding: 'utf8'
    })
  );
}

/** The Trace Viewer open in the main area. */
export const mainViewer = (page: IJupyterLabPageFixture) =>
  page.locator('.jp-MainAreaWidget .gt-TraceViewer');
