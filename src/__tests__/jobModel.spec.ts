import { Signal } from '@lumino/signaling';

import {
  IJobsTransport,
  JobModel,
  JobRequestBody,
  JobRequestError,
  SILENCE_MS,
  stageCounts
} from '../jobs/model';
import {
  JobState,
  JobStatus,
  KernelMessage,
  Progress,
  Stats
} from '../schema/jobs';

const FOLDER = '/srv/runs/toy';

/** A kernel stand-in: records requests, answers them with queued replies, sends events. */
class FakeKernel implements IJobsTransport {
  readonly messageReceived: Signal<IJobsTransport, KernelMessage> = new Signal<
    IJobsTransport,
    KernelMessage
  >(this);
  readonly requests: JobRequestBody[] = [];
  replies: ((body: JobRequestBody) => unknown)[] = [];

  async request<T>(body: JobRequestBody): Promise<T> {
    this.requests.push(body);
    const reply = this.replies.shift();
    if (!reply) {
      throw new Error(`no reply queued for ${body.type}`);
    }
    return reply(body) as T;
  }

  send(message: KernelMessage): void {
    this.messageReceived.emit(message);
  }
}

function progress(extra: Partial<Progress> = {}): Progress {
  return {
    state: 'running',
    stage: 'trace',
    done: 12,
    total: 40,
    rate: 6,
    eta_s: 4.7,
    counts: { ok: 11, timeout: 1 },
    stages: ['filter', 'trace', 'select'],
    finished_stages: ['filter'],
    pid: 4242,
    ...extra
  };
}

function status(state: JobState, extra: Partial<JobStatus> = {}): JobStatus {
  return { output: FOLDER, state, pid: 4242, error: null, ...extra };
}

const FILTER_STATS: Stats = {
  stages: {
    filter: {
      in: 29,
      out: 27,
      reasons: { non_deterministic: 2 },
      malformed_input: {
        count: 1,
        lines: [{ line_no: 7, reason: 'bad_json', detail: 'Expecting value' }]
      }
    }
  }
};

const OPTIONS = {
  input: 'data/toy.jsonl',
  output: 'runs/toy',
  stages: ['filter', 'trace', 'select'] as ('filter' | 'trace' | 'select')[]
};

async function runningModel(kernel: FakeKernel): Promise<JobModel> {
  const model = new JobModel(kernel);
  kernel.replies.push(() => status('running', { progress: null }));
  await model.start(OPTIONS);
  return model;
}

describe('JobModel state machine', () => {
  it('starts idle and can start but not cancel', () => {
    const model = new JobModel(new FakeKernel());
    expect(model.state).toBe('idle');
    expect(model.canStart).toBe(true);
    expect(model.canCancel).toBe(false);
    expect(model.resumes).toBe(false);
  });

  it('goes idle → running on start, with every chosen stage waiting', async () => {
    const kernel = new FakeKernel();
    const states: JobState[] = [];
    const model = new JobModel(kernel);
    model.stateChanged.connect((_, state) => states.push(state));
    kernel.replies.push(() => status('running', { progress: null }));
    expect(await model.start(OPTIONS)).toBe(true);
    expect(kernel.requests[0]).toEqual({ type: 'start', options: OPTIONS });
    expect(states).toEqual(['running']);
    expect(model.folder).toBe(FOLDER);
    expect(model.stages.map(s => [s.stage, s.status])).toEqual([
      ['filter', 'waiting'],
      ['trace', 'waiting'],
      ['select', 'waiting']
    ]);
    expect(model.canStart).toBe(false);
    expect(model.canCancel).toBe(true);
  });

  it('shows the running stage with done/total, rate, ETA and counts from progress events', async () => {
    const kernel = new FakeKernel();
    const model = await runningModel(kernel);
    kernel.send({
      type: 'progress',
      output: FOLDER,
      state: 'running',
      progress: progress(),
      stats: FILTER_STATS
    });
    const [filter, trace, select] = model.stages;
    expect(filter).toMatchObject({ status: 'done', done: 30, total: 30 });
    expect(filter.counts).toMatchObject({
      kept: 27,
      'non deterministic': 2,
      'malformed lines': 1
    });
    expect(trace).toMatchObject({
      status: 'running',
      done: 12,
      total: 40,
      rate: 6,
      eta_s: 4.7,
      counts: { ok: 11, timeout: 1 }
    });
    expect(select.status).toBe('waiting');
    expect(model.malformed).toEqual([
      { line_no: 7, reason: 'bad_json', detail: 'Expecting value' }
    ]);
  });

  it('ignores events of other folders', async () => {
    const kernel = new FakeKernel();
    const model = await runningModel(kernel);
    kernel.send({
      type: 'progress',
      output: '/srv/runs/other',
      state: 'running',
      progress: progress({ done: 39 })
    });
    expect(model.stages[1].status).toBe('waiting');
  });

  it('goes running → cancelling → cancelled, and a later start resumes', async () => {
    const kernel = new FakeKernel();
    const model = await runningModel(kernel);
    const states: JobState[] = [];
    model.stateChanged.connect((_, state) => states.push(state));
    kernel.replies.push(() => status('cancelling'));
    await model.cancel();
    expect(kernel.requests[1]).toEqual({ type: 'cancel', output: FOLDER });
    expect(model.state).toBe('cancelling');
    // a progress event still in flight does not bring back 'running'
    kernel.send({
      type: 'progress',
      output: FOLDER,
      state: 'running',
      progress: progress()
    });
    expect(model.state).toBe('cancelling');
    kernel.send({
      type: 'status',
      ...status('cancelled', { progress: progress() })
    });
    expect(states).toEqual(['cancelling', 'cancelled']);
    expect(model.stages[1]).toMatchObject({
      status: 'stopped',
      done: 12,
      rate: null
    });
    expect(model.canStart).toBe(true);
    expect(model.resumes).toBe(true);
    kernel.replies.push(() => status('running'));
    await model.start(OPTIONS);
    expect(model.state).toBe('running');
  });

  it('goes running → finished with every stage complete from stats.json', async () => {
    const kernel = new FakeKernel();
    const model = await runningModel(kernel);
    const stats: Stats = {
      stages: {
        ...FILTER_STATS.stages,
        trace: {
          in: 40,
          out: 38,
          reasons: { ok: 38, timeout: 2 },
          returned_values: { output_matches: 37, output_mismatch: 1 }
        },
        select: { in: 40, out: 27, reasons: { not_ok: 2 } }
      }
    };
    kernel.send({
      type: 'status',
      ...status('finished', {
        stats,
        progress: progress({
          state: 'finished',
          stage: null,
          finished_stages: ['filter', 'trace', 'select']
        })
      })
    });
    expect(model.state).toBe('finished');
    expect(model.stages.map(s => [s.stage, s.status, s.done, s.total])).toEqual(
      [
        ['filter', 'done', 30, 30],
        ['trace', 'done', 40, 40],
        ['select', 'done', 40, 40]
      ]
    );
    expect(model.stages[1].counts).toEqual({
      ok: 38,
      timeout: 2,
      'output mismatch': 1
    });
    expect(model.stages[2].counts).toEqual({ selected: 27, 'not ok': 2 });
    expect(model.problem).toBeNull();
  });

  it('goes running → failed with the error in words and what to do', async () => {
    const kernel = new FakeKernel();
    const model = await runningModel(kernel);
    kernel.send({
      type: 'status',
      ...status('failed', {
        error:
          'translator unreachable: tried http://127.0.0.1:9/v1/models (Connection refused)',
        hint: 'start the translator server or fix its endpoint in the options, then resume'
      })
    });
    expect(model.state).toBe('failed');
    expect(model.problem).toEqual({
      message:
        'translator unreachable: tried http://127.0.0.1:9/v1/models (Connection refused)',
      hint: 'start the translator server or fix its endpoint in the options, then resume'
    });
    expect(model.canStart).toBe(true);
  });

  it('keeps its state when the kernel refuses a start, and says why', async () => {
    const kernel = new FakeKernel();
    const model = new JobModel(kernel);
    kernel.replies.push(() => {
      throw new JobRequestError(
        'the output folder /srv/runs/toy is locked by another job (pid 77)',
        'wait for it, stop it, or choose another output folder'
      );
    });
    expect(await model.start(OPTIONS)).toBe(false);
    expect(model.state).toBe('idle');
    expect(model.problem?.message).toMatch(/locked by another job/);
    expect(model.problem?.hint).toMatch(/another output folder/);
    expect(model.busy).toBe(false);
  });
});

describe('JobModel reattach', () => {
  it('follows a folder and shows the live job found there (after a page reload)', async () => {
    const kernel = new FakeKernel();
    const model = new JobModel(kernel);
    kernel.replies.push(() =>
      status('running', { progress: progress(), stats: FILTER_STATS })
    );
    await model.follow('runs/toy');
    expect(kernel.requests).toEqual([{ type: 'attach', output: 'runs/toy' }]);
    expect(model.state).toBe('running');
    expect(model.folder).toBe(FOLDER);
    expect(model.stages.map(s => s.status)).toEqual([
      'done',
      'running',
      'waiting'
    ]);
    // live events keep coming to the reattached model
    kernel.send({
      type: 'progress',
      output: FOLDER,
      state: 'running',
      progress: progress({ done: 20 })
    });
    expect(model.stages[1].done).toBe(20);
  });

  it('restores the job from the kernel jobs message sent when the comm opens', async () => {
    const kernel = new FakeKernel();
    const model = await runningModel(kernel);
    kernel.send({
      type: 'jobs',
      jobs: [
        status('running', { progress: progress({ done: 30 }) }),
        status('running', { output: '/srv/runs/other' })
      ]
    });
    expect(model.stages[1].done).toBe(30);
    expect(model.otherJobs.map(job => job.output)).toEqual(['/srv/runs/other']);
  });

  it('asks the new kernel to attach after a kernel restart', async () => {
    const kernel = new FakeKernel();
    const model = await runningModel(kernel);
    kernel.replies.push(() =>
      status('running', { progress: progress({ done: 33 }) })
    );
    await model.reconnected();
    expect(kernel.requests[1]).toEqual({ type: 'attach', output: 'runs/toy' });
    expect(model.state).toBe('running');
    expect(model.stages[1].done).toBe(33);
  });

  it('asks the kernel again after a silence while its job runs, and shows how it ended', async () => {
    // A kernel restart can lose the job's watcher or its last message: without this the
    // panel would say "Running" for ever.
    jest.useFakeTimers();
    try {
      const kernel = new FakeKernel();
      const model = await runningModel(kernel);
      jest.advanceTimersByTime(SILENCE_MS - 1000);
      kernel.send({
        type: 'progress',
        output: FOLDER,
        state: 'running',
        progress: progress({ done: 20 })
      });
      jest.advanceTimersByTime(SILENCE_MS - 1000);
      expect(kernel.requests.map(r => r.type)).toEqual(['start']); // it heard from the job
      kernel.replies.push(() => status('finished', { progress: progress() }));
      jest.advanceTimersByTime(SILENCE_MS);
      await Promise.resolve();
      await Promise.resolve();
      expect(kernel.requests[1]).toEqual({
        type: 'attach',
        output: 'runs/toy'
      });
      expect(model.state).toBe('finished');
      jest.advanceTimersByTime(3 * SILENCE_MS);
      expect(kernel.requests.length).toBe(2); // an ended job is not asked about
      expect(model.problem).toBeNull();
    } finally {
      jest.useRealTimers();
    }
  });

  it('stays cancelling and quiet when the kernel does not answer the watchdog', async () => {
    jest.useFakeTimers();
    try {
      const kernel = new FakeKernel();
      const model = await runningModel(kernel);
      kernel.replies.push(() => status('cancelling'));
      await model.cancel();
      jest.advanceTimersByTime(SILENCE_MS * 1.5); // no reply queued: the request fails
      await Promise.resolve();
      await Promise.resolve();
      expect(kernel.requests.map(r => r.type)).toEqual([
        'start',
        'cancel',
        'attach'
      ]);
      expect(model.state).toBe('cancelling');
      expect(model.problem).toBeNull();
      kernel.replies.push(() => status('running'));
      jest.advanceTimersByTime(SILENCE_MS);
      await Promise.resolve();
      await Promise.resolve();
      expect(model.state).toBe('cancelling');
      model.dispose();
    } finally {
      jest.useRealTimers();
    }
  });

  it('shows the stages before translate done when it reattaches during translation', async () => {
    const kernel = new FakeKernel();
    const model = new JobModel(kernel);
    const stats: Stats = {
      stages: {
        ...FILTER_STATS.stages,
        trace: { in: 40, out: 38, reasons: { ok: 38, timeout: 2 } },
        select: { in: 40, out: 9, reasons: {} }
      }
    };
    // progress.json of the translate part of a job names only its own stage
    kernel.replies.push(() =>
      status('running', {
        stats,
        progress: progress({
          stage: 'translate',
          done: 4,
          total: 9,
          stages: ['translate'],
          finished_stages: [],
          counts: { translated: 4 }
        })
      })
    );
    await model.follow('runs/toy');
    expect(model.stages.map(s => [s.stage, s.status, s.done])).toEqual([
      ['filter', 'done', 30],
      ['trace', 'done', 40],
      ['select', 'done', 40],
      ['translate', 'running', 4]
    ]);
  });

  it('offers Resume for a folder whose job stopped without finishing', async () => {
    const kernel = new FakeKernel();
    const model = new JobModel(kernel);
    kernel.replies.push(() =>
      status('interrupted', {
        pid: null,
        hint: 'the job stopped before the end; press Resume',
        progress: progress()
      })
    );
    await model.follow('runs/toy');
    expect(model.state).toBe('interrupted');
    expect(model.canStart).toBe(true);
    expect(model.resumes).toBe(true);
    expect(model.problem?.hint).toMatch(/Resume/);
    expect(model.stages.map(s => s.status)).toEqual([
      'done',
      'stopped',
      'waiting'
    ]);
  });

  it('shows a finished folder as finished, with nothing to resume', async () => {
    const kernel = new FakeKernel();
    const model = new JobModel(kernel);
    kernel.replies.push(() =>
      status('finished', {
        pid: null,
        stats: FILTER_STATS,
        progress: progress({
          state: 'finished',
          stage: null,
          stages: ['filter']
        })
      })
    );
    await model.follow('runs/toy');
    expect(model.state).toBe('finished');
    expect(model.resumes).toBe(false);
    expect(model.stages).toHaveLength(1);
  });

  it('forgets the old folder when following another one', async () => {
    const kernel = new FakeKernel();
    const model = await runningModel(kernel);
    kernel.replies.push(() =>
      status('idle', { output: '/srv/runs/new', pid: null })
    );
    await model.follow('runs/new');
    expect(model.state).toBe('idle');
    expect(model.stages).toEqual([]);
    kernel.send({
      type: 'progress',
      output: FOLDER,
      state: 'running',
      progress: progress()
    });
    expect(model.stages).toEqual([]);
  });
});

describe('stage counts', () => {
  it('lists translate counts and verdicts', () => {
    expect(
      stageCounts('translate', {
        counts: { translated: 9, skipped: 1 },
        verdicts: { pass: 7, wrong_answer: 2 }
      })
    ).toEqual({
      translated: 9,
      skipped: 1,
      'verdict pass': 7,
      'verdict wrong answer': 2
    });
  });
});
