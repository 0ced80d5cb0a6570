import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { openPanel, panel, readJson, stageRow } from './generatorPage';
import { DOCS, patientConditions, PYTHON, REPO, slowStartUse } from './setup';

/**
 * The Dataset Generator's trace format and executor options, end to end: real jobs started
 * from the panel by its real kernel — one in the compact format (the panel shows how many
 * traces were folded, as stats.json counts them), one refused for a Ray address nobody
 * answers at, and one on a real Ray cluster (a head started here with `ray start`) whose
 * nodes the panel lists as `groundtrace status` prints them.
 */

const TOY_DATA =
  process.env.GROUNDTRACE_TOY_DATA ??
  [
    path.join(REPO, 'data', 'pyedu_toy.jsonl'),
    path.resolve(REPO, '..', 'shared', 'data', 'pyedu_toy.jsonl')
  ].find(file => fs.existsSync(file))!;
// Ray's ports: the head's GCS and its services on 8923-8928; nothing listens on 8929.
const RAY_PORT = 8923;
const UNREACHABLE_RAY = '127.0.0.1:8929';
const JOB_TIMEOUT = 300_000;

test.use({ ...slowStartUse, viewport: { width: 1280, height: 1100 } });

const option = (page: IJupyterLabPageFixture, key: string) =>
  panel(page).locator(`[data-option="${key}"]`);

test.beforeEach(async ({ page, tmpPath }) => {
  patientConditions(page);
  const first = fs.readFileSync(TOY_DATA, 'utf8').split('\n').slice(0, 6);
  expect(
    await page.contents.uploadContent(
      `${first.join('\n')}\n`,
      'text',
      `${tmpPath}/toy6.jsonl`
    )
  ).toBe(true);
  await page.goto(`tree/${tmpPath}`);
});

/** A job of filter and trace on the six toy problems, two pairs each, into `output`. */
async function fillForm(
  page: IJupyterLabPageFixture,
  tmpPath: string,
  output: string
): Promise<void> {
  const p = panel(page);
  await p.locator('.gt-input').fill(`${tmpPath}/toy6.jsonl`);
  await p.locator('.gt-input').press('Tab');
  await expect(p.locator('.gt-preview')).toContainText('read as problems', {
    timeout: 30_000
  });
  await p.locator('.gt-output').fill(`${tmpPath}/${output}`);
  await p.locator('.gt-output').press('Tab');
  for (const stage of ['filter', 'trace', 'select', 'translate', 'build']) {
    await p
      .locator(`.gt-stage-check[data-stage="${stage}"]`)
      .setChecked(stage === 'filter' || stage === 'trace');
  }
  await option(page, 'pairsPerProblem').fill('2');
  await option(page, 'pairsPerProblem').press('Tab');
  await option(page, 'workers').fill('2');
  await option(page, 'workers').press('Tab');
}

/** The chip of one summary row of a stage, e.g. "ok items: folded (compact format) 3". */
async function countOf(
  page: IJupyterLabPageFixture,
  stage: string,
  label: string
): Promise<number> {
  const chip = stageRow(page, stage).locator(
    `.gt-count[data-outcome="${label}"]`
  );
  await expect(chip).toBeVisible();
  const text = (await chip.textContent()) ?? '';
  expect(text.startsWith(`${label} `), text).toBe(true);
  return Number(text.slice(label.length + 1));
}

/** Light and dark screenshots of the panel, kept under docs/. */
async function screenshots(
  page: IJupyterLabPageFixture,
  testInfo: any,
  name: string
): Promise<void> {
  const light = testInfo.outputPath(`${name}.png`);
  await panel(page).screenshot({ path: light });
  await page.theme.setDarkTheme();
  const dark = testInfo.outputPath(`${name}-dark.png`);
  await panel(page).screenshot({ path: dark });
  await page.theme.setLightTheme();
  fs.mkdirSync(DOCS, { recursive: true });
  fs.copyFileSync(light, path.join(DOCS, `${name}.png`));
  fs.copyFileSync(dark, path.join(DOCS, `${name}-dark.png`));
}

test('a compact-format job from the panel shows how many traces were folded', async ({
  page,
  tmpPath
}, testInfo) => {
  testInfo.setTimeout(JOB_TIMEOUT + 120_000);
  await openPanel(page);
  await fillForm(page, tmpPath, 'compact');
  // the option's values and default come from the settings schema
  await expect(option(page, 'traceFormat')).toHaveValue('snoop');
  await option(page, 'traceFormat').selectOption('compact');
  await panel(page).locator('.gt-start').click();
  await expect(panel(page).locator('.gt-state-badge')).toHaveText('Finished', {
    timeout: JOB_TIMEOUT
  });

  const job = await readJson(page, `${tmpPath}/compact/job.json`);
  expect(job.trace_format).toBe('compact');
  const stats = await readJson(page, `${tmpPath}/compact/stats.json`);
  const folding = stats.stages.trace.folding;
  expect(folding.traces).toBeGreaterThan(0);
  // the folding counts as the job wrote them, in the trace stage's row
  expect(
    await countOf(page, 'trace', 'ok items: folded (compact format)')
  ).toBe(folding.folded);
  expect(
    await countOf(page, 'trace', 'ok items: lines kept by folding, %')
  ).toBe(Math.round(100 * folding.lines_kept_fraction));
  console.log(
    `compact job: ${folding.folded} of ${folding.traces} ok traces folded, ` +
      `${Math.round(100 * folding.lines_kept_fraction)}% of their lines kept`
  );
  await screenshots(page, testInfo, 'panel-compact');
});

test('a Ray address nobody answers at is refused at Start with one clear error', async ({
  page,
  tmpPath
}, testInfo) => {
  await openPanel(page);
  await fillForm(page, tmpPath, 'unreachable');
  await expect(option(page, 'rayAddress')).toBeDisabled();
  await option(page, 'executor').selectOption('ray');
  await expect(option(page, 'rayAddress')).toBeEnabled();
  await option(page, 'rayAddress').fill(UNREACHABLE_RAY);
  await option(page, 'rayAddress').press('Tab');
  await panel(page).locator('.gt-start').click();

  const problem = panel(page).locator('.gt-job-problem');
  await expect(problem.locator('.gt-problem-message')).toHaveCount(1);
  await expect(problem.locator('.gt-problem-message')).toHaveText(
    `Ray unreachable: nothing answers at ${UNREACHABLE_RAY} (Connection refused)`
  );
  await expect(problem.locator('.gt-hint')).toHaveText(
    'What to do: start the cluster (ray start --head --port PORT on the head node) ' +
      'or fix the Ray address, or choose the local executor'
  );
  // refused before anything ran: no job, no folder written to
  await expect(panel(page).locator('.gt-state-badge')).toHaveText(
    'Not started'
  );
  await expect(panel(page).locator('.gt-stage')).toHaveCount(0);
  await screenshots(page, testInfo, 'panel-ray-unreachable');
});

test.describe('on a real Ray cluster', () => {
  const rayDir = path.join(os.tmpdir(), `gt-ui-ray-${process.pid}`);
  const env = {
    ...process.env,
    RAY_USAGE_STATS_ENABLED: '0',
    // Ray gives a worker process 60 s to register; its Python start-up can take longer on a
    // loaded 2-core machine (seen: 3 s of CPU in 53 s at load 30).
    RAY_worker_register_timeout_seconds: '600',
    PATH: `${path.dirname(PYTHON)}:${process.env.PATH}`
  };

  /** Pids of the processes of this head (their command lines name its temp dir). */
  /**
   * Pids of this head's processes: those whose command line names its temp dir, and their
   * children (Ray renames its agents and workers, "ray::…").
   */
  const headProcesses = (): number[] => {
    const parents = new Map<number, number>();
    const own = new Set<number>();
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) {
        continue;
      }
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
        parents.set(
          Number(name),
          Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        );
        if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(rayDir)) {
          own.add(Number(name));
        }
      } catch {
        // gone meanwhile
      }
    }
    for (let grew = true; grew;) {
      grew = false;
      for (const [pid, parent] of parents) {
        if (!own.has(pid) && own.has(parent)) {
          own.add(pid);
          grew = true;
        }
      }
    }
    return [...own];
  };

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    const started = Date.now();
    // The raylet gives its agents 15 s to start, which a loaded 2-core machine can miss:
    // the start runs at real-time priority, and the head's processes go back to normal after.
    execFileSync(
      'chrt',
      [
        '-f',
        '1',
        path.join(path.dirname(PYTHON), 'ray'),
        'start',
        '--head',
        '--node-ip-address',
        '127.0.0.1',
        '--port',
        String(RAY_PORT),
        '--node-manager-port',
        String(RAY_PORT + 1),
        '--object-manager-port',
        String(RAY_PORT + 2),
        '--dashboard-agent-grpc-port',
        String(RAY_PORT + 3),
        '--dashboard-agent-listen-port',
        String(RAY_PORT + 4),
        '--runtime-env-agent-port',
        String(RAY_PORT + 5),
        '--include-dashboard=false',
        '--disable-usage-stats',
        '--num-cpus',
        '2',
        '--temp-dir',
        rayDir
      ],
      { env, stdio: 'pipe', timeout: 280_000 }
    );
    for (const pid of headProcesses()) {
      try {
        execFileSync('chrt', ['-a', '-o', '-p', '0', String(pid)]);
      } catch {
        // gone meanwhile
      }
    }
    console.log(
      `ray start --head took ${((Date.now() - started) / 1000).toFixed(1)} s`
    );
  });

  test.afterAll(async () => {
    // Only this head's processes (never `ray stop`, which stops every Ray on the machine).
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      for (const pid of headProcesses()) {
        try {
          process.kill(pid, signal);
        } catch {
          // gone
        }
      }
      await new Promise(resolve => setTimeout(resolve, 3000));
    }
    fs.rmSync(rayDir, { recursive: true, force: true });
  });

  test('a Ray job from the panel shows its nodes as groundtrace status prints them', async ({
    page,
    tmpPath
  }, testInfo) => {
    testInfo.setTimeout(JOB_TIMEOUT + 120_000);
    await openPanel(page);
    await fillForm(page, tmpPath, 'ray');
    await option(page, 'executor').selectOption('ray');
    await option(page, 'rayAddress').fill(`127.0.0.1:${RAY_PORT}`);
    await option(page, 'rayAddress').press('Tab');
    await panel(page).locator('.gt-start').click();
    await expect(panel(page).locator('.gt-state-badge')).toHaveText('Running');

    // while the trace stage runs: one line per node, under its row
    const nodes = stageRow(page, 'trace').locator('.gt-node');
    await expect(nodes.first()).toBeVisible({ timeout: JOB_TIMEOUT });
    await expect(nodes.first()).toHaveText(
      /^\S+( \(\w+\))?: 1 actor, 2 CPUs, \d+ done/
    );
    if (
      (await stageRow(page, 'trace').getAttribute('data-status')) === 'running'
    ) {
      await screenshots(page, testInfo, 'panel-ray-running');
    }
    await expect(panel(page).locator('.gt-state-badge')).toHaveText(
      'Finished',
      {
        timeout: JOB_TIMEOUT
      }
    );

    // the node lines are those `groundtrace status FOLDER` prints after "node "
    const config = JSON.parse(
      (await page.locator('#jupyter-config-data').textContent()) ?? '{}'
    );
    const folder = path.join(config.serverRoot, tmpPath, 'ray');
    const status = execFileSync(
      PYTHON,
      ['-m', 'groundtrace.cli', 'status', folder],
      {
        cwd: REPO,
        env: { ...env, PYTHONPATH: path.join(REPO, 'python') },
        encoding: 'utf8'
      }
    );
    const printed = status
      .split('\n')
      .filter(line => line.startsWith('node '))
      .map(line => line.slice('node '.length));
    expect(printed.length).toBeGreaterThan(0);
    await expect(nodes).toHaveText(printed);
    const traced = (await readJson(page, `${tmpPath}/ray/stats.json`)).stages
      .trace.in;
    const done = printed.reduce(
      (n, line) => n + Number(/, (\d+) done/.exec(line)![1]),
      0
    );
    // every item traced on the cluster (a recheck runs the ok ones once more there)
    expect(done).toBeGreaterThanOrEqual(traced);
    console.log(`Ray job: ${traced} items; nodes: ${printed.join(' | ')}`);
    if (!fs.existsSync(path.join(DOCS, 'panel-ray-running.png'))) {
      await screenshots(page, testInfo, 'panel-ray-running');
    }
    await screenshots(page, testInfo, 'panel-ray-finished');
  });
});
