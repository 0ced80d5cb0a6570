import { ISignal, Signal } from '@lumino/signaling';

import {
  JobOptions,
  JobRequest,
  JobState,
  JobStatus,
  KernelMessage,
  MalformedLine,
  NodeProgress,
  Progress,
  Stage,
  StageStats,
  STAGES,
  Stats
} from '../schema/jobs';

/** Every stage, in the order a job runs them (generated from the jobs schema). */
export { STAGES };

/** A request without its `request_id` (the transport adds it). */
export type JobRequestBody = JobRequest extends infer R
  ? R extends { request_id: string }
    ? Omit<R, 'request_id'>
    : never
  : never;

/** A request the kernel refused, with what the user can do about it. */
export class JobRequestError extends Error {
  constructor(
    message: string,
    readonly hint = ''
  ) {
    super(message);
    this.name = 'JobRequestError';
  }
}

/** The comm to the panel's kernel, as the model sees it (a fake in tests). */
export interface IJobsTransport {
  /** Sends a request; resolves with its result or rejects with a JobRequestError. */
  request<T = unknown>(body: JobRequestBody): Promise<T>;
  /** Every message from the kernel: replies are resolved by `request`, events come here. */
  readonly messageReceived: ISignal<IJobsTransport, KernelMessage>;
}

/** Where one stage of the job is. */
export interface IStageProgress {
  stage: Stage;
  /** stopped: it was running when the job was cancelled or stopped (resume goes on). */
  status: 'waiting' | 'running' | 'stopped' | 'done' | 'skipped';
  done: number;
  total: number | null;
  rate: number | null;
  eta_s: number | null;
  /** Items per outcome (ok, timeout, kept, output mismatch, verdict pass, ...). */
  counts: Record<string, number>;
}

/** An error in words, and what to do next. */
export interface IJobProblem {
  message: string;
  hint: string;
}

/** States in which the folder's job can be started (or resumed). */
const STARTABLE: JobState[] = [
  'idle',
  'cancelled',
  'finished',
  'failed',
  'interrupted'
];
const ACTIVE: JobState[] = ['running', 'cancelling'];

/**
 * While its job runs, how long the model goes without a word of it from the kernel before
 * it asks again (attach): a kernel restart can lose the job's watcher, or the one message
 * that says the job ended, and the panel must not say "Running" for ever.
 */
export const SILENCE_MS = 10_000;
const RESUMABLE: JobState[] = ['cancelled', 'failed', 'interrupted'];

/**
 * The job of one output folder, as the Dataset Generator panel shows it:
 * idle → running → cancelling → cancelled / finished / failed, and interrupted for a
 * folder whose job stopped without finishing (a kernel or server restart); any of the
 * ended states can be started again, which resumes from the folder's files.
 * It holds state and emits signals; the panel only renders it and calls its methods.
 */
export class JobModel {
  constructor(readonly transport: IJobsTransport) {
    transport.messageReceived.connect(this._onMessage, this);
  }

  /** Emitted when `state` changes. */
  get stateChanged(): ISignal<this, JobState> {
    return this._stateChanged;
  }

  /** Emitted when progress, counts, errors or the folder change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get state(): JobState {
    return this._state;
  }

  /** The output folder as the user typed it. */
  get output(): string {
    return this._output;
  }

  /** The folder as the kernel resolved it (absolute), once known. */
  get folder(): string | null {
    return this._folder;
  }

  get stages(): IStageProgress[] {
    return this._stages;
  }

  /**
   * The Ray nodes of the job's trace stage (progress.json `nodes`): each one's actors,
   * CPUs, items done, rate and whether it is still there; empty for the local executor.
   */
  get nodes(): NodeProgress[] {
    return this._progress?.nodes ?? [];
  }

  get problem(): IJobProblem | null {
    return this._problem;
  }

  /** Malformed input lines the filter stage reported (line numbers and reasons). */
  get malformed(): MalformedLine[] {
    return this._stats?.stages?.filter?.malformed_input?.lines ?? [];
  }

  get malformedCount(): number {
    return this._stats?.stages?.filter?.malformed_input?.count ?? 0;
  }

  get stats(): Stats | null {
    return this._stats;
  }

  /** A request is on its way (start, cancel or attach). */
  get busy(): boolean {
    return this._busy;
  }

  get canStart(): boolean {
    return !this._busy && STARTABLE.includes(this._state);
  }

  get canCancel(): boolean {
    return !this._busy && this._state === 'running';
  }

  /** Whether starting continues a job that already wrote to the folder. */
  get resumes(): boolean {
    return RESUMABLE.includes(this._state);
  }

  /** Other folders with jobs in the panel's kernel (from the kernel's `jobs` message). */
  get otherJobs(): JobStatus[] {
    return this._otherJobs.filter(job => job.output !== this._folder);
  }

  /**
   * Shows the job of another output folder: asks the kernel what the folder holds,
   * finding a job that runs there even when an earlier kernel started it.
   */
  async follow(output: string): Promise<void> {
    if (output === this._output && this._folder) {
      return;
    }
    this._output = output;
    this._folder = null;
    this._reset();
    this._setState('idle');
    if (!output) {
      return;
    }
    await this.attach();
  }

  /** Finds the folder's job again (after a reload or a kernel restart). */
  async attach(): Promise<void> {
    if (!this._output) {
      return;
    }
    const output = this._output;
    await this._send(async () => {
      const status = await this.transport.request<JobStatus>({
        type: 'attach',
        output
      });
      if (output === this._output) {
        this._applyStatus(status);
      }
    });
  }

  /** Starts the job, or resumes it from what the folder holds. */
  async start(options: JobOptions): Promise<boolean> {
    if (!this.canStart) {
      return false;
    }
    this._output = options.output;
    this._problem = null;
    let started = false;
    await this._send(async () => {
      const status = await this.transport.request<JobStatus>({
        type: 'start',
        options
      });
      this._folder = status.output;
      this._stages = planStages(options.stages ?? STAGES);
      this._stats = null;
      this._progress = null;
      this._applyStatus(status);
      started = true;
    });
    return started;
  }

  /** Asks the job to stop; it becomes `cancelled` once its processes are gone. */
  async cancel(): Promise<void> {
    if (!this.canCancel || !this._folder) {
      return;
    }
    this._setState('cancelling');
    await this._send(async () => {
      const status = await this.transport.request<JobStatus>({
        type: 'cancel',
        output: this._folder!
      });
      this._applyStatus(status);
    });
  }

  /** Called when the comm was opened again (a new kernel knows no job: attach). */
  async reconnected(): Promise<void> {
    await this.attach();
  }

  dispose(): void {
    this._watch(false);
    Signal.clearData(this);
  }

  private async _send(work: () => Promise<void>): Promise<void> {
    this._busy = true;
    this._changed.emit();
    try {
      await work();
    } catch (reason) {
      const error = reason as JobRequestError;
      this._problem = {
        message: error.message ?? String(reason),
        hint: error.hint ?? ''
      };
      if (this._state === 'cancelling') {
        this._setState('running');
      }
    } finally {
      this._busy = false;
      this._changed.emit();
    }
  }

  private _onMessage(_: IJobsTransport, message: KernelMessage): void {
    if (
      (message.type === 'jobs' &&
        message.jobs.some(job => job.output === this._folder)) ||
      ((message.type === 'progress' || message.type === 'status') &&
        message.output === this._folder)
    ) {
      this._heard = Date.now();
    }
    switch (message.type) {
      case 'jobs':
        this._otherJobs = [...message.jobs];
        for (const job of message.jobs) {
          if (job.output === this._folder) {
            this._applyStatus(job);
          }
        }
        this._changed.emit();
        return;
      case 'progress':
        if (message.output !== this._folder) {
          return;
        }
        if (message.stats !== undefined) {
          this._stats = message.stats ?? null;
        }
        this._applyProgress(message.progress);
        // a cancel asked for here stays 'cancelling' until the job's status says it ended
        if (!(this._state === 'cancelling' && message.state === 'running')) {
          this._setState(message.state);
        }
        this._changed.emit();
        return;
      case 'status':
        if (message.output !== this._folder) {
          this._updateOther(message);
          return;
        }
        this._applyStatus(message);
        return;
      default:
        return;
    }
  }

  private _applyStatus(status: JobStatus): void {
    this._heard = Date.now();
    this._folder = status.output;
    if (status.stats !== undefined) {
      this._stats = status.stats ?? null;
    }
    if (status.progress) {
      this._applyProgress(status.progress);
    }
    if (status.state === 'failed' || status.error) {
      this._problem = {
        message: status.error || 'the job failed',
        hint: status.hint ?? ''
      };
    } else if (status.state === 'interrupted') {
      this._problem = {
        message: 'The job in this folder stopped before the end.',
        hint: status.hint || 'press Resume to continue it'
      };
    }
    if (ENDED.includes(status.state)) {
      this._stages = endStages(
        this._stages,
        status.state,
        this._stats,
        this._progress
      );
    }
    this._setState(status.state);
    this._changed.emit();
  }

  private _applyProgress(progress: Progress): void {
    this._progress = progress;
    if (!this._stages.length) {
      this._stages = planStages(jobStages(progress, this._stats));
    }
    this._stages = updateStages(this._stages, progress, this._stats);
  }

  private _updateOther(status: JobStatus): void {
    const others = this._otherJobs.filter(job => job.output !== status.output);
    if (ACTIVE.includes(status.state)) {
      others.push(status);
    }
    this._otherJobs = others;
    this._changed.emit();
  }

  private _reset(): void {
    this._stages = [];
    this._stats = null;
    this._progress = null;
    this._problem = null;
  }

  private _setState(state: JobState): void {
    if (state !== this._state) {
      this._state = state;
      this._watch(ACTIVE.includes(state));
      this._stateChanged.emit(state);
    }
  }

  /** The watchdog's attach: quiet when the kernel is away (it asks again later). */
  private async _askAgain(): Promise<void> {
    const output = this._output;
    let status: JobStatus;
    try {
      status = await this.transport.request<JobStatus>({
        type: 'attach',
        output
      });
    } catch {
      return;
    }
    if (output !== this._output || !ACTIVE.includes(this._state)) {
      return;
    }
    if (this._state === 'cancelling' && status.state === 'running') {
      status = { ...status, state: 'cancelling' }; // its end is on the way
    }
    this._applyStatus(status);
  }

  /** Checks, while the job runs, that the kernel still reports on it (`SILENCE_MS`). */
  private _watch(on: boolean): void {
    if (!on) {
      clearInterval(this._watchdog);
      this._watchdog = undefined;
      return;
    }
    if (this._watchdog !== undefined) {
      return;
    }
    this._heard = Date.now();
    this._watchdog = setInterval(() => {
      if (!this._busy && Date.now() - this._heard >= SILENCE_MS) {
        this._heard = Date.now();
        void this._askAgain();
      }
    }, SILENCE_MS / 2);
  }

  private _state: JobState = 'idle';
  private _output = '';
  private _folder: string | null = null;
  private _stages: IStageProgress[] = [];
  private _stats: Stats | null = null;
  private _progress: Progress | null = null;
  private _problem: IJobProblem | null = null;
  private _busy = false;
  private _otherJobs: JobStatus[] = [];
  private _heard = 0;
  private _watchdog: ReturnType<typeof setInterval> | undefined = undefined;
  private _stateChanged = new Signal<this, JobState>(this);
  private _changed = new Signal<this, void>(this);
}

const ENDED: JobState[] = ['cancelled', 'finished', 'failed', 'interrupted'];

/**
 * The stages of a job seen from its progress, and the earlier stages stats.json counts
 * that progress.json does not list (a rerun of a folder with fewer stages asked for).
 */
export function jobStages(progress: Progress, stats: Stats | null): Stage[] {
  const listed = progress.stages ?? STAGES;
  const last = Math.max(...listed.map(stage => STAGES.indexOf(stage)));
  const counted = Object.keys(stats?.stages ?? {}).filter(stage => {
    const index = STAGES.indexOf(stage as Stage);
    return index >= 0 && index < last;
  });
  return STAGES.filter(
    stage => listed.includes(stage) || counted.includes(stage)
  );
}

/** Every chosen stage, waiting. */
export function planStages(stages: Stage[]): IStageProgress[] {
  return STAGES.filter(stage => stages.includes(stage)).map(stage => ({
    stage,
    status: 'waiting',
    done: 0,
    total: null,
    rate: null,
    eta_s: null,
    counts: {}
  }));
}

/**
 * The stages after a progress update: the current one running with the job's numbers,
 * finished ones complete, with their summary rows as progress.json holds them (the rows
 * the CLI prints, and `groundtrace status`); from stats.json for a progress.json without rows.
 */
export function updateStages(
  stages: IStageProgress[],
  progress: Progress,
  stats: Stats | null
): IStageProgress[] {
  const finished = progress.finished_stages ?? [];
  // a stage before the running one that stats.json counts is done even when progress.json
  // does not list it as finished: a folder of an older groundtrace, whose jobs with a
  // translator wrote progress.json anew for each part (the stages before translate, translate, build)
  const running = progress.stage ? STAGES.indexOf(progress.stage) : -1;
  return stages.map(current => {
    const { stage } = current;
    const counted = stats?.stages?.[stage];
    const before = !!counted && STAGES.indexOf(stage) < running;
    if (finished.includes(stage) || before) {
      const done = counted ? stageSize(stage, counted) : current.done;
      return {
        ...current,
        status: 'done',
        done: Math.max(done, current.done),
        total: Math.max(done, current.done),
        eta_s: 0,
        counts:
          summaryOf(progress, stage) ??
          (counted ? stageCounts(stage, counted) : current.counts)
      };
    }
    if (progress.stage === stage) {
      return {
        stage,
        status: 'running',
        done: progress.done,
        total: progress.total ?? null,
        rate: progress.rate ?? null,
        eta_s: progress.eta_s ?? null,
        counts: outcomeNames(progress.counts ?? {})
      };
    }
    return current;
  });
}

/** Stages a job left when it ended: not reached, or skipped once it finished. */
function endStages(
  stages: IStageProgress[],
  state: JobState,
  stats: Stats | null,
  progress: Progress | null
): IStageProgress[] {
  return stages.map(current => {
    if (current.status === 'done') {
      return current;
    }
    if (state === 'finished') {
      const counted = stats?.stages?.[current.stage];
      return counted
        ? {
            ...current,
            status: 'done',
            done: stageSize(current.stage, counted),
            total: stageSize(current.stage, counted),
            counts:
              (progress && summaryOf(progress, current.stage)) ??
              stageCounts(current.stage, counted)
          }
        : { ...current, status: 'skipped', rate: null, eta_s: null };
    }
    const reached =
      current.status === 'running' || current.status === 'stopped';
    return {
      ...current,
      status: reached ? 'stopped' : 'waiting',
      rate: null,
      eta_s: null
    };
  });
}

/**
 * A finished stage's summary rows from progress.json (label → count, the CLI's rows), or
 * null when progress.json has none for it (a folder of an older groundtrace).
 */
export function summaryOf(
  progress: Progress,
  stage: Stage
): Record<string, number> | null {
  const row = progress.rows?.find(candidate => candidate.stage === stage);
  if (!row || row.status !== 'done' || !Object.keys(row.counts ?? {}).length) {
    return null;
  }
  return outcomeNames(row.counts);
}

/** Counts keyed by outcome names as people read them (too_long → too long). */
function outcomeNames(counts: Record<string, number>): Record<string, number> {
  const named: Record<string, number> = {};
  for (const [name, n] of Object.entries(counts)) {
    named[name.replace(/_/g, ' ')] = n;
  }
  return named;
}

/** How many items a finished stage went through. */
export function stageSize(stage: Stage, stats: StageStats): number {
  if (stage === 'translate') {
    return stats.total ?? stats.in ?? 0;
  }
  const malformed =
    stage === 'filter' ? (stats.malformed_input?.count ?? 0) : 0;
  return (stats.in ?? 0) + malformed;
}

/** The outcome counts of a finished stage, as the panel lists them. */
export function stageCounts(
  stage: Stage,
  stats: StageStats
): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (name: string, n: number | undefined) => {
    if (n) {
      counts[name] = (counts[name] ?? 0) + n;
    }
  };
  switch (stage) {
    case 'filter':
      add('kept', stats.out);
      break;
    case 'select':
      add('selected', stats.out);
      break;
    case 'build':
      add('samples', stats.out);
      break;
    default:
      break;
  }
  for (const [reason, n] of Object.entries(stats.reasons ?? {})) {
    add(reason.replace(/_/g, ' '), n);
  }
  add('output mismatch', stats.returned_values?.output_mismatch);
  if (stage === 'filter') {
    add('malformed lines', stats.malformed_input?.count);
  }
  for (const [name, n] of Object.entries(stats.counts ?? {})) {
    add(name.replace(/_/g, ' '), n);
  }
  for (const [verdict, n] of Object.entries(stats.verdicts ?? {})) {
    add(`verdict ${verdict.replace(/_/g, ' ')}`, n);
  }
  return counts;
}
