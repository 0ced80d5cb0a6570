import { Signal } from '@lumino/signaling';

import { nodeText } from '../generator/format';
import { renderProgress } from '../generator/progress';
import { IJobsTransport, JobModel, planStages } from '../jobs/model';
import { KernelMessage, NodeProgress, Progress } from '../schema/jobs';

const FOLDER = '/srv/runs/ray';

/** Two nodes of a Ray job as the executor writes them into progress.json (`nodes`). */
const NODES: NodeProgress[] = [
  {
    node: '127.0.0.1 (3f2a1b)',
    actors: 1,
    cpus: 2,
    done: 120,
    rate: 14.2,
    alive: true
  },
  {
    node: '127.0.0.1 (9c0d4e)',
    actors: 0,
    cpus: 0,
    done: 7,
    rate: null,
    alive: false
  }
];

/**
 * The trace row of a finished compact-format job, as progress.json held it after a real
 * `groundtrace run --trace-format compact --limit 10 --pairs-per-problem 3` on the toy file.
 */
const COMPACT_TRACE_ROW = {
  stage: 'trace' as const,
  status: 'done' as const,
  done: 30,
  total: 30,
  rate: 1.12,
  eta_s: 0,
  counts: {
    in: 30,
    out: 24,
    ok: 24,
    too_long: 6,
    'ok items: output matches': 24,
    'ok items: folded (compact format)': 6,
    'ok items: lines kept by folding, %': 11,
    'ok items: rechecked': 24,
    'ok items: nondeterministic': 0,
    'second run CPU, % of trace CPU': 40
  }
};

/** The panel's kernel, as far as these tests need it: one reply, then events. */
class Kernel implements IJobsTransport {
  readonly messageReceived: Signal<IJobsTransport, KernelMessage> = new Signal<
    IJobsTransport,
    KernelMessage
  >(this);
  async request<T>(): Promise<T> {
    return { output: FOLDER, state: 'running', pid: 1, error: null } as T;
  }
  send(message: KernelMessage): void {
    this.messageReceived.emit(message);
  }
}

function running(extra: Partial<Progress>): Progress {
  return {
    state: 'running',
    stage: 'trace',
    done: 127,
    total: 300,
    rate: 14,
    eta_s: 12,
    counts: { ok: 120, timeout: 7 },
    stages: ['filter', 'trace'],
    finished_stages: ['filter'],
    ...extra
  };
}

describe('the Ray node rows', () => {
  it('say what groundtrace status prints after "node " (status.node_text)', () => {
    // the same lines tests/test_panel_faces.py expects from the Python side
    expect(nodeText(NODES[0])).toBe(
      '127.0.0.1 (3f2a1b): 1 actor, 2 CPUs, 120 done, 14.2/s'
    );
    expect(nodeText(NODES[1])).toBe(
      '127.0.0.1 (9c0d4e): 0 actors, 0 CPUs, 7 done (lost)'
    );
  });

  it('sit under the trace stage only, one per node, a lost one marked', () => {
    const list = document.createElement('ol');
    const stages = planStages(['filter', 'trace', 'select']);
    renderProgress(list, stages, NODES);
    const rows = list.querySelectorAll('.gt-node');
    expect(rows).toHaveLength(2);
    expect(
      list.querySelectorAll('.gt-stage[data-stage="trace"] .gt-node')
    ).toHaveLength(2);
    expect(rows[1].getAttribute('data-alive')).toBe('false');
    expect(list.querySelector('.gt-nodes-title')!.textContent).toBe(
      'Ray nodes (2) · 127 done'
    );
    renderProgress(list, stages, []);
    expect(list.querySelector('.gt-nodes')).toBeNull();
  });

  it('show a node name as text, never as HTML', () => {
    const list = document.createElement('ol');
    renderProgress(list, planStages(['trace']), [
      { node: '<img src=x onerror=alert(1)>', actors: 1, cpus: 1, done: 1 }
    ]);
    expect(list.querySelector('img')).toBeNull();
    expect(list.querySelector('.gt-node')!.textContent).toContain('<img');
  });

  it('follow the nodes of each progress event, and none for a local job', async () => {
    const kernel = new Kernel();
    const model = new JobModel(kernel);
    await model.start({
      input: 'in.jsonl',
      output: 'runs/ray',
      stages: ['filter', 'trace']
    });
    kernel.send({
      type: 'progress',
      output: FOLDER,
      state: 'running',
      progress: running({ nodes: NODES })
    });
    expect(model.nodes).toEqual(NODES);
    kernel.send({
      type: 'progress',
      output: FOLDER,
      state: 'running',
      progress: running({})
    });
    expect(model.nodes).toEqual([]);
  });
});

describe('a finished stage row', () => {
  it("shows progress.json's summary rows (the CLI's), the folding stats included", async () => {
    const kernel = new Kernel();
    const model = new JobModel(kernel);
    await model.start({
      input: 'in.jsonl',
      output: 'runs/c',
      stages: ['filter', 'trace']
    });
    kernel.send({
      type: 'status',
      output: FOLDER,
      state: 'finished',
      pid: null,
      error: null,
      progress: {
        state: 'finished',
        stage: null,
        done: 0,
        stages: ['filter', 'trace'],
        finished_stages: ['filter', 'trace'],
        version: 2,
        rows: [
          {
            stage: 'filter',
            status: 'done',
            done: 10,
            total: 10,
            counts: { in: 10, out: 10 }
          },
          COMPACT_TRACE_ROW
        ]
      },
      stats: {
        stages: { trace: { in: 30, out: 24, reasons: { ok: 24, too_long: 6 } } }
      }
    });
    const trace = model.stages.find(stage => stage.stage === 'trace')!;
    expect(trace.status).toBe('done');
    const shown: Record<string, number> = {};
    for (const [label, n] of Object.entries(COMPACT_TRACE_ROW.counts)) {
      shown[label.replace(/_/g, ' ')] = n;
    }
    expect(trace.counts).toEqual(shown);
    const list = document.createElement('ol');
    renderProgress(list, model.stages, model.nodes);
    const chips = Array.from(
      list.querySelectorAll('.gt-stage[data-stage="trace"] .gt-count')
    ).map(chip => chip.textContent);
    expect(chips).toContain('ok items: folded (compact format) 6');
    expect(chips).toContain('ok items: lines kept by folding, % 11');
  });
});
