import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { openPanel, panel, readJson, stageRow } from './generatorPage';
import {
  DOCS,
  mainViewer,
  patientConditions,
  PYTHON,
  REPO,
  slowStartUse
} from './setup';

/**
 * The Dataset Generator panel end to end: a real kernel starts real `groundtrace run`
 * jobs on 30 toy problems; the translator is the local vLLM-shaped server
 * (tests/fake_vllm.py, started by playwright.config.js).
 */

// The toy problems bundled in data/ (a copy of shared/data, which sits beside the checkout
// in CI); GROUNDTRACE_TOY_DATA overrides.
const TOY_DATA =
  process.env.GROUNDTRACE_TOY_DATA ??
  [
    path.join(REPO, 'data', 'pyedu_toy.jsonl'),
    path.resolve(REPO, '..', 'shared', 'data', 'pyedu_toy.jsonl')
  ].find(file => fs.existsSync(file))!;
const N_PROBLEMS = 30;
let TRANSLATOR_URL = '';
const TRANSLATOR_MODEL = 'fake/Qwen3-toy';
const JOB_TIMEOUT = 240_000;

const STAGES = ['filter', 'trace', 'select', 'translate', 'build'];

test.use({ ...slowStartUse, viewport: { width: 1280, height: 1100 } });

let translator: ChildProcess | null = null;

/** Starts tests/fake_vllm.py on a free port, for the tests of this file. */
test.beforeAll(async () => {
  translator = spawn(
    PYTHON,
    [path.join(REPO, 'tests', 'fake_vllm.py'), '--latency', '0.05'],
    {
      stdio: ['ignore', 'pipe', 'inherit']
    }
  );
  TRANSLATOR_URL = await new Promise<string>((resolve, reject) => {
    let out = '';
    translator!.stdout!.on('data', chunk => {
      out += String(chunk);
      const ready = /READY (\S+)/.exec(out);
      if (ready) {
        resolve(ready[1]);
      }
    });
    translator!.on('exit', code =>
      reject(new Error(`fake_vllm.py exited with ${code}`))
    );
  });
  if (!TRANSLATOR_URL.endsWith('/v1')) {
    TRANSLATOR_URL = `${TRANSLATOR_URL.replace(/\/$/, '')}/v1`;
  }
});

test.afterAll(() => {
  translator?.kill();
});

test.beforeEach(async ({ page, tmpPath }) => {
  patientConditions(page);
  const first = fs
    .readFileSync(TOY_DATA, 'utf8')
    .split('\n')
    .slice(0, N_PROBLEMS)
    .join('\n');
  expect(
    await page.contents.uploadContent(
      `${first}\n`,
      'text',
      `${tmpPath}/toy30.jsonl`
    )
  ).toBe(true);
  await page.goto(`tree/${tmpPath}`);
});

/** Moves the panel to the other sidebar, as its tab's context menu does. */
async function switchSidebarSide(page: IJupyterLabPageFixture): Promise<void> {
  await page
    .locator('.jp-SideBar [data-id="groundtrace-generator"]')
    .click({ button: 'right' });
  await page
    .locator('.lm-Menu-item', { hasText: 'Switch Sidebar Side' })
    .click();
}

/** Opens the "Stages and options" section (it folds away while a job runs). */
async function openOptions(page: IJupyterLabPageFixture): Promise<void> {
  const details = panel(page).locator('.gt-Generator-details');
  if (!(await details.evaluate(node => (node as HTMLDetailsElement).open))) {
    await details.locator('summary').click();
  }
}

/** Fills the form for a job on the toy problems into `output`. */
async function fillForm(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  output: string,
  workers: number,
  input = 'toy30.jsonl'
): Promise<void> {
  const p = panel(page);
  await p.locator('.gt-input').fill(`${tmpPath}/${input}`);
  await p.locator('.gt-input').press('Tab');
  await expect(p.locator('.gt-preview')).toContainText(
    'Looks right: the first 5 records',
    { timeout: 30_000 }
  );
  await expect(p.locator('.gt-preview-table tr')).toHaveCount(6);
  await p.locator('.gt-output').fill(`${tmpPath}/${output}`);
  await p.locator('.gt-output').press('Tab');
  await openOptions(page);
  for (const stage of ['filter', 'trace', 'select', 'translate', 'build']) {
    await p
      .locator(`.gt-stage-check[data-stage="${stage}"]`)
      .setChecked(STAGES.includes(stage));
  }
  await p.locator('input[data-option="workers"]').fill(String(workers));
  await p.locator('input[data-option="workers"]').press('Tab');
  await p.locator('.gt-translator-url').fill(TRANSLATOR_URL);
  await p.locator('.gt-model').fill(TRANSLATOR_MODEL);
  await p.locator('.gt-model').press('Tab');
}

/**
 * Resolves once JupyterLab has saved its workspace with the form as filled (it saves a
 * moment after a change; a reload before that would restore the older values).
 */
function formSaved(page: IJupyterLabPageFixture): Promise<unknown> {
  return page.waitForRequest(
    request =>
      request.url().includes('/api/workspaces') &&
      request.method() === 'PUT' &&
      (request.postData() ?? '').includes(TRANSLATOR_MODEL),
    { timeout: 60_000 }
  );
}

/** The done count of a stage's "done / total · rate · ETA" text. */
function doneOf(numbers: string | null): number {
  return Number(/^(\d+)/.exec(numbers ?? '')?.[1] ?? -1);
}

/** Every stage shows done == total once the job finished. */
async function expectEveryStageComplete(
  page: IJupyterLabPageFixture
): Promise<void> {
  for (const stage of STAGES) {
    const row = stageRow(page, stage);
    await expect(row).toHaveAttribute('data-status', 'done');
    const numbers =
      (await row.locator('.gt-stage-numbers').textContent()) ?? '';
    const match = /^(\d+) \/ (\d+)/.exec(numbers);
    expect(match, `${stage}: ${numbers}`).not.toBeNull();
    expect(match![1]).toBe(match![2]);
  }
}

async function readJsonl(
  page: IJupyterLabPageFixture,
  file: string
): Promise<any[]> {
  const response = await page.request.get(
    `/api/contents/${file}?content=1&type=file&format=text`
  );
  expect(response.ok(), `${file} is readable`).toBe(true);
  const text: string = (await response.json()).content;
  return text
    .split('\n')
    .filter(line => line.trim())
    .map(line => JSON.parse(line));
}

/** The counts of a finished folder that must not depend on interruptions. */
function outcome(stats: any, selected: any[]): Record<string, unknown> {
  const stages: Record<string, unknown> = {};
  for (const [name, s] of Object.entries<any>(stats.stages)) {
    stages[name] = {
      in: s.in,
      out: s.out,
      reasons: s.reasons,
      returned_values: s.returned_values,
      verdicts: s.verdicts
    };
  }
  return { stages, selected: selected.map(r => r.id).sort() };
}

test('runs every stage on 30 toy problems, shows progress, and opens a sample', async ({
  page,
  tmpPath
}, testInfo) => {
  testInfo.setTimeout(JOB_TIMEOUT * 2);
  // the panel is in the left sidebar
  await expect(
    page.locator('.jp-SideBar [data-id="groundtrace-generator"]')
  ).toBeVisible();
  await openPanel(page);
  await fillForm(page, tmpPath, 'run', 2);
  await panel(page).locator('.gt-start').click();
  await expect(panel(page).locator('.gt-state-badge')).toHaveText('Running');

  // mid-run: the trace stage moves, with done / total, rate and ETA
  const trace = stageRow(page, 'trace');
  await expect(trace).toHaveAttribute('data-status', 'running', {
    timeout: 60_000
  });
  await expect(trace.locator('.gt-stage-numbers')).toHaveText(
    /^\d+ \/ \d+ · [\d.]+\/s · ETA/,
    {
      timeout: 30_000
    }
  );
  await expect(trace.locator('.gt-count').first()).toBeVisible();
  await expect
    .poll(
      async () =>
        doneOf(await trace.locator('.gt-stage-numbers').textContent()),
      {
        timeout: 60_000
      }
    )
    .toBeGreaterThan(80);
  await expect(stageRow(page, 'filter')).toHaveAttribute('data-status', 'done');
  const running = testInfo.outputPath('panel-running.png');
  await panel(page).screenshot({ path: running });

  await expect(panel(page).locator('.gt-state-badge')).toHaveText('Finished', {
    timeout: JOB_TIMEOUT
  });
  await expectEveryStageComplete(page);
  await expect(
    stageRow(page, 'trace').locator('.gt-count[data-outcome="ok"]')
  ).toBeVisible();
  await expect(panel(page).locator('.gt-start')).toHaveText('Start');
  const finished = testInfo.outputPath('panel-finished.png');

  // browse the samples, filter them, and open one in the trace viewer
  await panel(page).locator('.gt-browse').click();
  await expect(panel(page).locator('.gt-sample-summary')).toHaveText(
    /^\d+ items/
  );
  // a long list comes a page at a time
  const total = Number(
    /^(\d+)/.exec(
      (await panel(page).locator('.gt-sample-summary').textContent())!
    )![1]
  );
  await expect(panel(page).locator('.gt-sample')).toHaveCount(
    Math.min(total, 200)
  );
  if (total > 200) {
    await panel(page).locator('.gt-more').click();
    await expect(panel(page).locator('.gt-sample')).toHaveCount(
      Math.min(total, 400)
    );
  }
  await panel(page).locator('.gt-status-filter').selectOption('ok');
  await panel(page).locator('.gt-verdict-filter').selectOption('pass');
  // the list is re-read for the filters: wait until it shows only passing samples
  await expect(
    panel(page)
      .locator('.gt-sample')
      .filter({ hasNot: page.getByText('pass', { exact: true }) })
  ).toHaveCount(0);
  await expect(panel(page).locator('.gt-sample').first()).toBeVisible();
  await expect(panel(page).locator('.gt-sample-summary')).toHaveText(
    /^\d+ of \d+ items match/
  );
  const first = panel(page).locator('.gt-sample').first();
  const id = await first.getAttribute('data-id');
  await panel(page).locator('.gt-search').fill(id!);
  await expect(panel(page).locator('.gt-sample')).toHaveCount(1);
  await panel(page).screenshot({ path: finished });
  await panel(page).locator('.gt-sample').first().click();
  // the trace viewer (issue 5) behind groundtrace:open-sample
  const view = page.locator('.jp-MainAreaWidget .gt-TraceViewer');
  await expect(view).toBeVisible({ timeout: 30_000 });
  await expect(view.locator('.gt-itemTitle')).toHaveText(id!);
  await expect(view.locator('.gt-TraceView')).toBeVisible();
  await expect(view.locator('.gt-TraceView .gt-counter')).toHaveText(
    /^Step 1 of \d+$/
  );
  await expect(
    view.locator('.gt-block-title', { hasText: 'Returned output' })
  ).toBeVisible();
  await expect(view.locator('.gt-NarrationPane')).toContainText('Final answer');

  // the folder is a LLaMA-Factory dataset
  const stats = await readJson(page, `${tmpPath}/run/stats.json`);
  expect(
    stats.stages.filter.in + stats.stages.filter.malformed_input.count
  ).toBe(N_PROBLEMS);
  const train = await readJsonl(page, `${tmpPath}/run/train.jsonl`);
  expect(train.length).toBeGreaterThan(0);
  for (const sample of train) {
    expect(sample.messages.map((m: any) => m.role)).toEqual([
      'user',
      'assistant'
    ]);
    expect(typeof sample.messages[1].content).toBe('string');
  }
  const info = await readJson(page, `${tmpPath}/run/dataset_info.json`);
  const entry: any = Object.values(info)[0];
  expect(entry.file_name).toBe('train.jsonl');
  expect(train.length).toBe(stats.stages.build.out);

  // the dark theme: every colour comes from JupyterLab's theme variables
  const dark = testInfo.outputPath('panel-finished-dark.png');
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('apputils:change-theme', {
      theme: 'JupyterLab Dark'
    })
  );
  await expect(page.locator('body')).toHaveAttribute(
    'data-jp-theme-light',
    'false',
    {
      timeout: 30_000
    }
  );
  await panel(page).screenshot({ path: dark });
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('apputils:change-theme', {
      theme: 'JupyterLab Light'
    })
  );

  for (const [shot, name] of [
    [dark, 'panel-finished-dark.png'],
    [running, 'panel-running.png'],
    [finished, 'panel-finished.png']
  ]) {
    fs.mkdirSync(DOCS, { recursive: true });
    fs.copyFileSync(shot, path.join(DOCS, name));
  }
});

test('a job cancelled mid-trace, seen again after reloads and resumed, ends with the counts of an uninterrupted run', async ({
  page,
  tmpPath
}, testInfo) => {
  testInfo.setTimeout(JOB_TIMEOUT * 2);
  // the uninterrupted run, from the command line, while the panel runs its own
  const reference = fs.mkdtempSync(
    path.join(os.tmpdir(), 'groundtrace-reference-')
  );
  // Three problems whose items sleep first, so that the cancel below lands mid-trace on
  // a fast machine too (the toy problems alone trace in about 3 s), then the toy problems.
  const slow = [1, 2, 3].map(k =>
    JSON.stringify({
      problem_description: `Double a number, slowly (${k}).`,
      io_requirements: 'Input: n (int). Output: 2 * n (int).',
      refcode: `import time\n\n# main function\ndef main_solution(n):\n    time.sleep(0.3)\n    return n * ${2 * k} // ${k}\n`,
      funcname: 'main_solution',
      ios: Array.from({ length: 10 }, (_, i) => ({
        input: { n: i },
        output: 2 * i
      })),
      source: 'test',
      category: 'test',
      meta: {
        repo_name: 'groundtrace/ui-tests',
        path: '/slow.py',
        msgidx: 90000 + k
      }
    })
  );
  const contents =
    [
      ...slow,
      ...fs.readFileSync(TOY_DATA, 'utf8').split('\n').slice(0, N_PROBLEMS)
    ].join('\n') + '\n';
  const input = path.join(reference, 'slow-then-toy30.jsonl');
  fs.writeFileSync(input, contents);
  expect(
    await page.contents.uploadContent(
      contents,
      'text',
      `${tmpPath}/slow-then-toy30.jsonl`
    )
  ).toBe(true);
  const args = [
    '-m',
    'groundtrace.cli',
    'run',
    '--input',
    input,
    '--output',
    path.join(reference, 'run'),
    '--stages',
    STAGES.join(','),
    '--workers',
    '2',
    '--quiet'
  ];
  args.push('--translator-url', TRANSLATOR_URL, '--model', TRANSLATOR_MODEL);

  await openPanel(page);
  const saved = formSaved(page);
  await fillForm(page, tmpPath, 'resumed', 1, 'slow-then-toy30.jsonl');
  await panel(page).locator('.gt-start').click();
  const trace = stageRow(page, 'trace');
  await expect(trace).toHaveAttribute('data-status', 'running', {
    timeout: 60_000
  });

  // a reload while the job runs: the panel finds it and shows its live progress
  await saved;
  await page.reload();
  await openPanel(page);
  await expect(panel(page).locator('.gt-state-badge')).toHaveText('Running', {
    timeout: 30_000
  });
  await expect(panel(page).locator('.gt-output')).toHaveValue(
    `${tmpPath}/resumed`
  );
  await expect(trace).toHaveAttribute('data-status', 'running');
  const before = doneOf(await trace.locator('.gt-stage-numbers').textContent());
  await expect
    .poll(
      async () =>
        doneOf(await trace.locator('.gt-stage-numbers').textContent()),
      {
        timeout: 30_000
      }
    )
    .toBeGreaterThan(before);

  // cancel mid-trace
  await panel(page).locator('.gt-cancel').click();
  await expect(panel(page).locator('.gt-state-badge')).toHaveText('Cancelled', {
    timeout: 30_000
  });
  const [done, total] = /^(\d+) \/ (\d+)/
    .exec((await trace.locator('.gt-stage-numbers').textContent())!)!
    .slice(1)
    .map(Number);
  expect(done).toBeLessThan(total);
  console.log(`cancelled mid-trace at ${done} / ${total} items`);
  const traced = await readJsonl(page, `${tmpPath}/resumed/traces.jsonl`);
  expect(traced.length).toBeGreaterThan(0);
  expect(traced.length).toBeLessThan(total);

  execFileSync(PYTHON, args, {
    cwd: REPO,
    env: { ...process.env, PYTHONPATH: path.join(REPO, 'python') },
    stdio: 'pipe'
  });

  // reload, then resume from the folder
  await page.reload();
  await openPanel(page);
  await expect(panel(page).locator('.gt-state-badge')).toHaveText(
    /Cancelled|Interrupted/,
    {
      timeout: 30_000
    }
  );
  await expect(panel(page).locator('.gt-start')).toHaveText('Resume');
  await panel(page).locator('.gt-start').click();
  await expect(panel(page).locator('.gt-state-badge')).toHaveText('Running');
  // a restart of the panel's kernel while the resumed job runs: the new kernel finds
  // the job from its folder and the panel follows it to the end
  const sessions = await (await page.request.get('/api/sessions')).json();
  const session = sessions.find(
    (s: any) => s.path === '.groundtrace-dataset-generator'
  );
  expect(session, 'the panel runs its own kernel session').toBeTruthy();
  const restart = await page.request.post(
    `/api/kernels/${session.kernel.id}/restart`
  );
  expect(restart.ok()).toBe(true);
  await expect(panel(page).locator('.gt-kernel-badge')).toHaveText(
    'kernel ready',
    {
      timeout: 60_000
    }
  );

  try {
    await expect(panel(page).locator('.gt-state-badge')).toHaveText(
      'Finished',
      {
        timeout: JOB_TIMEOUT
      }
    );
  } catch (error) {
    // What the folder and the job's pid say, to tell a stuck job from a stale panel.
    const progress = await readJson(page, `${tmpPath}/resumed/progress.json`);
    const cmdline = `/proc/${progress.pid}/cmdline`;
    console.log(
      `resumed job: progress.json state ${progress.state}, pid ${progress.pid}: ` +
        (fs.existsSync(cmdline)
          ? fs.readFileSync(cmdline, 'utf8').split('\0').join(' ')
          : 'no such process')
    );
    throw error;
  }
  await expectEveryStageComplete(page);

  const resumed = outcome(
    await readJson(page, `${tmpPath}/resumed/stats.json`),
    await readJsonl(page, `${tmpPath}/resumed/selected.jsonl`)
  );
  const uninterrupted = outcome(
    JSON.parse(
      fs.readFileSync(path.join(reference, 'run', 'stats.json'), 'utf8')
    ),
    fs
      .readFileSync(path.join(reference, 'run', 'selected.jsonl'), 'utf8')
      .split('\n')
      .filter(line => line.trim())
      .map(line => JSON.parse(line))
  );
  const ids = (await readJsonl(page, `${tmpPath}/resumed/traces.jsonl`)).map(
    r => r.id
  );
  expect(new Set(ids).size).toBe(ids.length);
  fs.writeFileSync(
    testInfo.outputPath('counts.json'),
    JSON.stringify({ resumed, uninterrupted }, null, 1)
  );
  console.log(
    `counts resumed vs uninterrupted:\n${JSON.stringify({ resumed, uninterrupted })}`
  );
  expect(resumed).toEqual(uninterrupted);
  fs.rmSync(reference, { recursive: true, force: true });
});

test('says in words what is wrong and what to do: missing file, malformed lines, unreachable translator', async ({
  page,
  tmpPath
}, testInfo) => {
  // on the launcher, and in the command palette
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('launcher:create')
  );
  await expect(
    page.locator('.jp-LauncherCard', { hasText: 'Dataset Generator' })
  ).toBeVisible();
  await openPanel(page);
  const p = panel(page);

  // the input path completes from the server's files
  await p.locator('.gt-input').fill(`${tmpPath}/`);
  await expect(
    p.locator(`#gt-input-completions option[value="${tmpPath}/toy30.jsonl"]`)
  ).toHaveCount(1);

  // a file dropped from the file browser becomes the input (with the panel moved to the
  // right sidebar, so both show at once)
  await switchSidebarSide(page);
  await page.evaluate(() =>
    (window as any).jupyterapp.commands.execute('filebrowser:activate')
  );
  await page.evaluate(() =>
    (window as any).jupyterapp.shell.activateById('groundtrace-generator')
  );
  await p.locator('.gt-input').fill('');
  const item = page.locator('.jp-DirListing-item', { hasText: 'toy30.jsonl' });
  await expect(item).toBeVisible();
  const from = (await item.boundingBox())!;
  const to = (await p.locator('.gt-input').boundingBox())!;
  await page.mouse.move(from.x + 30, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(to.x + 20, to.y + to.height / 2, { steps: 12 });
  await page.mouse.move(to.x + 30, to.y + to.height / 2, { steps: 3 });
  await page.mouse.up();
  await expect(p.locator('.gt-input')).toHaveValue(`${tmpPath}/toy30.jsonl`);
  await expect(p.locator('.gt-preview')).toContainText('Looks right', {
    timeout: 30_000
  });
  await switchSidebarSide(page);
  await page.evaluate(() =>
    (window as any).jupyterapp.shell.activateById('groundtrace-generator')
  );

  await p.locator('.gt-input').fill(`${tmpPath}/no-such-file.jsonl`);
  await p.locator('.gt-input').press('Tab');
  await expect(p.locator('.gt-preview')).toHaveAttribute(
    'data-state',
    'error',
    {
      timeout: 30_000
    }
  );
  await expect(p.locator('.gt-preview')).toContainText('file not found');

  const lines = fs.readFileSync(TOY_DATA, 'utf8').split('\n').slice(0, 3);
  lines.splice(1, 0, '{"problem_description": "cut off');
  await page.contents.uploadContent(
    `${lines.join('\n')}\n`,
    'text',
    `${tmpPath}/broken.jsonl`
  );
  await p.locator('.gt-input').fill(`${tmpPath}/broken.jsonl`);
  await p.locator('.gt-input').press('Tab');
  await expect(p.locator('.gt-preview')).toHaveAttribute('data-state', 'warn');
  await expect(p.locator('.gt-preview .gt-malformed')).toContainText(
    'line 2: bad json'
  );

  // a translator nobody serves: refused at Start, with the URL tried
  await p.locator('.gt-output').fill(`${tmpPath}/broken-run`);
  await p.locator('.gt-output').press('Tab');
  await openOptions(page);
  await p.locator('.gt-stage-check[data-stage="translate"]').setChecked(true);
  await p.locator('.gt-translator-url').fill('http://127.0.0.1:9/v1');
  await p.locator('.gt-translator-url').press('Tab');
  await p.locator('.gt-start').click();
  await expect(p.locator('.gt-job-problem')).toContainText(
    'Translator unreachable: tried http://127.0.0.1:9/v1/models'
  );
  await expect(p.locator('.gt-job-problem .gt-hint')).toContainText(
    'start the translator server'
  );
  await expect(p.locator('.gt-state-badge')).toHaveText('Not started');
  await p.locator('.gt-job-problem').scrollIntoViewIfNeeded();
  const refused = testInfo.outputPath('panel-error.png');
  await panel(page).screenshot({ path: refused });
  fs.copyFileSync(refused, path.join(DOCS, 'panel-error.png'));

  // without translation the job runs, and the malformed line is listed with its number
  await openOptions(page);
  await p.locator('.gt-stage-check[data-stage="translate"]').setChecked(false);
  await p.locator('.gt-stage-check[data-stage="build"]').setChecked(false);
  await p.locator('.gt-start').click();
  await expect(p.locator('.gt-state-badge')).toHaveText('Finished', {
    timeout: JOB_TIMEOUT
  });
  await expect(p.locator('.gt-job-problem')).toContainText(
    '1 malformed input line was skipped'
  );
  await expect(p.locator('.gt-job-problem .gt-malformed')).toContainText(
    'line 2: bad json'
  );
  await p.locator('.gt-job-problem').scrollIntoViewIfNeeded();
  const malformed = testInfo.outputPath('panel-malformed.png');
  await panel(page).screenshot({ path: malformed });
  fs.copyFileSync(malformed, path.join(DOCS, 'panel-malformed.png'));
});

test('Try 5 runs every chosen stage on 5 problems in a scratch folder, opens its first sample and estimates the limited job', async ({
  page,
  tmpPath
}, testInfo) => {
  testInfo.setTimeout(JOB_TIMEOUT * 2);
  await openPanel(page);
  await fillForm(page, tmpPath, 'limited', 2);
  const p = panel(page);
  // the problem limit: the first 12 of the 30 problems
  await p.locator('.gt-problems-count').fill('12');
  await p.locator('.gt-problems-mode').selectOption('limit');
  await p.locator('.gt-problems-count').press('Tab');
  await p.screenshot({ path: testInfo.outputPath('panel-limit.png') });

  await p.locator('.gt-try').click();
  await expect(p.locator('.gt-try-result')).toContainText('Trying 5 problems');
  // its first sample opens in the trace viewer
  const viewer = mainViewer(page);
  await expect(viewer).toBeVisible({ timeout: JOB_TIMEOUT });
  await expect(p.locator('.gt-try-result')).toContainText('Try 5: finished');
  await expect(p.locator('.gt-try-counts')).toContainText(
    'filter: in 5, out 5'
  );
  const folder = (await p.locator('.gt-try-folder').textContent())!.replace(
    /^in /,
    ''
  );
  expect(folder).toMatch(new RegExp(`^${tmpPath}/limited-try/\\d{8}T\\d{6}$`));
  const trial = await readJson(page, `${folder}/stats.json`);
  expect(trial.stages.filter.in).toBe(5);
  for (const stage of STAGES) {
    expect(trial.stages[stage], stage).toBeDefined();
  }
  const tab = page.locator('.jp-MainAreaWidget.gt-TraceViewerWidget');
  expect(await tab.getAttribute('id')).toMatch(/^groundtrace-viewer-sample-/);

  // the estimate, from Try's measured rates, for the 12 problems of the limit
  const estimate = p.locator('.gt-estimate');
  await expect(estimate).toHaveText(
    /^Whole job: about .+ for 12 problems — trace .+ \(\d+ items at [\d.]+ items\/s\), translate .+ \(\d+ items at [\d.]+ s\/item\)\. \(rates of Try 5\)$/
  );
  await page.sidebar.open('left');
  await p.screenshot({ path: testInfo.outputPath('panel-try.png') });
  await page.theme.setDarkTheme();
  await p.screenshot({ path: testInfo.outputPath('panel-try-dark.png') });
  await viewer.screenshot({ path: testInfo.outputPath('try-sample-dark.png') });
  await page.theme.setLightTheme();
  await viewer.screenshot({ path: testInfo.outputPath('try-sample.png') });

  // the job itself takes the limit: the engine reads 12 problems
  await p.locator('.gt-start').click();
  // during the run: the estimate stays, with the running stage's own rate once it has one
  await expect(stageRow(page, 'trace')).toHaveAttribute(
    'data-status',
    'running',
    { timeout: 60_000 }
  );
  await expect(estimate).toHaveText(/^Whole job: about .+ for 12 problems/);
  await p.screenshot({
    path: testInfo.outputPath('panel-estimate-running.png')
  });
  await expect(p.locator('.gt-state-badge')).toHaveText('Finished', {
    timeout: JOB_TIMEOUT
  });
  const stats = await readJson(page, `${tmpPath}/limited/stats.json`);
  expect(stats.stages.filter.in).toBe(12);
  const settings = await readJson(page, `${tmpPath}/limited/job.json`);
  expect(settings.limit).toBe(12);
  // after the run, the estimate uses this run's own rates
  await expect(estimate).toHaveText(/for 12 problems/);
});
