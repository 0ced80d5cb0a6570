import { Contents } from '@jupyterlab/services';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { element } from '../common/dom';
import {
  FormFields,
  IGeneratorForm,
  jobOptions,
  OptionSchemas,
  problemCount
} from './form';
import { STATE_LABELS } from './format';
import { InputPreview } from './preview';
import { renderProblem, renderProgress } from './progress';
import { SampleBrowser } from './samples';
import { JobModel } from '../jobs/model';
import { JobsConnection } from '../jobs/connection';
import {
  describeEstimate,
  estimateJob,
  IRates,
  measuredRates,
  withLiveRates
} from '../jobs/estimate';
import { SampleList } from '../schema/jobs';

// The form's exports, for importers of the panel (the plugin).
export { jobOptions } from './form';
export type { IGeneratorForm } from './form';

/** How many problems Try runs. */
export const TRY_PROBLEMS = 5;

/** What the panel needs around it: the contents API, commands, and where to keep the form. */
export interface IGeneratorPanelOptions {
  connection: JobsConnection;
  /** The job of the form's output folder. */
  model: JobModel;
  /** The trial job (Try 5) in a scratch folder. */
  trial: JobModel;
  contents: Contents.IManager;
  /** The options' schemas (the settings schema's properties): the form's rows. */
  schema: OptionSchemas;
  form: IGeneratorForm;
  /** Called whenever the form changes (the plugin keeps it in the state database). */
  saveForm: (form: IGeneratorForm) => void;
  /** Opens one sample of a folder (the groundtrace:open-sample command). */
  openSample: (output: string, id: string) => void;
}

/**
 * The Dataset Generator side panel. It renders a JobModel and sends it intents; the job
 * itself runs in worker processes that the panel's own kernel starts.
 */
export class GeneratorPanel extends Widget {
  constructor(options: IGeneratorPanelOptions) {
    super();
    this.id = 'groundtrace-generator';
    this.addClass('gt-Generator');
    this.title.caption = 'Dataset Generator';
    this._connection = options.connection;
    this._form = { ...options.form };
    this._saveForm = options.saveForm;
    this._openSample = options.openSample;
    this.model = options.model;
    this.trial = options.trial;
    this._fields = new FormFields({
      schema: options.schema,
      contents: options.contents,
      changed: () => this._readForm(),
      inputChosen: () => void this._preview.load(),
      outputChosen: output => this._show(output)
    });
    this._preview = new InputPreview(this._connection, () => this._form.input);
    this._samples = new SampleBrowser({
      transport: this._connection,
      output: () => this.model.folder ?? this._form.output,
      openSample: options.openSample
    });
    this._build();
    this.model.changed.connect(this._render, this);
    this.model.stateChanged.connect(this._render, this);
    this.trial.changed.connect(this._render, this);
    this.trial.stateChanged.connect(this._onTrialState, this);
    this._connection.statusChanged.connect(this._onConnection, this);
    this._connection.connected.connect(this._onConnected, this);
    this._render();
  }

  readonly model: JobModel;
  readonly trial: JobModel;

  /** The rates the last Try measured (null before one finished). */
  get measured(): IRates | null {
    return this._measured;
  }

  get form(): IGeneratorForm {
    return { ...this._form };
  }

  /** Replaces the form's values (e.g. the settings' defaults before the user typed). */
  setForm(form: Partial<IGeneratorForm>): void {
    this._form = { ...this._form, ...form };
    this._fields.fill(this._form);
    this._changedForm(false);
  }

  /** Starts the kernel and finds the job of the form's output folder. */
  async connect(): Promise<void> {
    await this._connection.connect();
  }

  /**
   * Lets the panel start its kernel once the form is filled in: now when asked to (or
   * when the panel is showing), else the first time the panel is shown.
   */
  allowConnect(now: boolean): void {
    this._mayConnect = true;
    if (now || this.isVisible) {
      void this.connect();
    }
  }

  /** Starts a job, or resumes the folder's job. */
  async start(): Promise<void> {
    this._readForm();
    this._samples.clear();
    if (await this.model.start(jobOptions(this._form))) {
      this._collapseOptions();
    }
    this._render();
  }

  async cancel(): Promise<void> {
    await this.model.cancel();
  }

  /**
   * Runs every chosen stage on the first TRY_PROBLEMS problems into a scratch folder
   * beside the output (`<output>-try/<time>`), then opens its first sample and keeps
   * the rates it measured for the estimate.
   */
  async tryFirst(): Promise<void> {
    this._readForm();
    const stamp = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
    const options = jobOptions({
      ...this._form,
      limit: TRY_PROBLEMS,
      sample: null
    });
    options.output = `${this._form.output}-try/${stamp}`;
    this._trialNote = '';
    await this.trial.start(options);
    this._render();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
    this.trial.dispose();
    super.dispose();
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    this._fields.attach();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (this._mayConnect) {
      void this.connect();
    }
  }

  protected onBeforeDetach(msg: Message): void {
    this._fields.detach();
    super.onBeforeDetach(msg);
  }

  // ---------------------------------------------------------------- building

  /** Shows the job of another output folder. */
  private _show(output: string): void {
    this._fields.outputField.value = output;
    this._readForm();
    this._samples.clear();
    void this.model.follow(this._form.output);
  }

  /** While a job runs its options cannot change: make room for its progress. */
  private _collapseOptions(): void {
    if (this._optionsDetails) {
      this._optionsDetails.open = false;
    }
  }

  private _build(): void {
    const header = element('div', 'gt-Generator-header');
    header.append(
      element('h2', 'gt-Generator-title', 'Dataset Generator'),
      this._kernelBadge
    );
    this.node.append(header, this._connectionNote);

    this._section('Data').append(
      this._fields.inputRow,
      this._preview.node,
      this._fields.problemsRow,
      this._fields.outputRow
    );
    this._section('Stages and options', true).append(
      ...this._fields.optionRows
    );

    const actions = element('div', 'gt-actions');
    this._startButton.addEventListener('click', () => void this.start());
    this._cancelButton.addEventListener('click', () => void this.cancel());
    this._cancelButton.textContent = 'Cancel';
    this._tryButton.textContent = `Try ${TRY_PROBLEMS}`;
    this._tryButton.addEventListener('click', () => void this.tryFirst());
    actions.append(
      this._tryButton,
      this._startButton,
      this._cancelButton,
      this._stateBadge
    );
    this._section('Run').append(
      actions,
      this._trialBox,
      this._estimate,
      this._problemBox,
      this._progressList,
      this._otherJobs
    );

    this._section('Samples').append(...this._samples.nodes);

    this._fields.fill(this._form);
  }

  /** A titled section; a collapsible one (open until a job starts) when asked. */
  private _section(title: string, collapsible = false): HTMLElement {
    const section = element('section', 'gt-Generator-section');
    section.dataset.section = title.split(' ')[0].toLowerCase();
    const heading = element('h3', 'gt-Generator-sectionTitle', title);
    this.node.append(section);
    if (!collapsible) {
      section.append(heading);
      return section;
    }
    const details = element('details', 'gt-Generator-details');
    details.open = true;
    const summary = element('summary');
    summary.append(heading);
    details.append(summary);
    section.append(details);
    this._optionsDetails = details;
    return details;
  }

  private _readForm(): void {
    this._form = this._fields.read(this._form);
    this._fields.update(this._form);
    this._changedForm(true);
  }

  private _changedForm(save: boolean): void {
    if (save) {
      this._saveForm(this.form);
    }
    this._render();
  }

  // ---------------------------------------------------------------- rendering

  private _onConnection(): void {
    this._render();
  }

  private async _onConnected(): Promise<void> {
    if (this._form.output && this.model.output !== this._form.output) {
      await this.model.follow(this._form.output);
    } else {
      await this.model.reconnected();
    }
    // After a reload that lost the form, show the job this kernel is running.
    const running = this.model.otherJobs.find(job => job.state === 'running');
    if (running && !['running', 'cancelling'].includes(this.model.state)) {
      this._show(running.path ?? running.output);
    }
    if (this._form.input && !this._preview.shown) {
      void this._preview.load();
    }
  }

  private _render(): void {
    const model = this.model;
    const connection = this._connection.status;
    this._kernelBadge.textContent =
      connection === 'ready'
        ? 'kernel ready'
        : connection === 'failed'
          ? 'kernel unavailable'
          : 'starting kernel…';
    this._kernelBadge.dataset.status = connection;
    const failure = this._connection.failure;
    this._connectionNote.hidden = connection !== 'failed';
    this._connectionNote.replaceChildren();
    if (connection === 'failed' && failure) {
      this._connectionNote.append(
        element(
          'div',
          'gt-message-error',
          `The panel's kernel cannot load groundtrace: ${failure.error}`
        ),
        element(
          'div',
          'gt-hint',
          failure.installCommand
            ? `Install it into the kernel's Python: ${failure.installCommand}`
            : 'Check that a python3 kernel is installed, then reload the page.'
        )
      );
    }

    const state = model.state;
    if (state === 'running' && this.node.dataset.state !== 'running') {
      this._collapseOptions();
    }
    this.node.dataset.state = state;
    this._stateBadge.textContent = STATE_LABELS[state];
    this._stateBadge.dataset.state = state;
    const ready = connection === 'ready';
    this._startButton.textContent = model.resumes ? 'Resume' : 'Start';
    this._startButton.disabled =
      !ready ||
      !model.canStart ||
      !this._form.input ||
      !this._form.output ||
      !this._form.stages.length;
    this._startButton.title = !this._form.input
      ? 'Choose an input file first'
      : !this._form.output
        ? 'Choose an output folder first'
        : model.resumes
          ? 'Continue the job from what the folder holds'
          : 'Start the job';
    this._cancelButton.disabled = !ready || !model.canCancel;

    renderProblem(this._problemBox, model);
    renderProgress(this._progressList, model.stages, model.nodes);
    const others = model.otherJobs.filter(job => job.state === 'running');
    this._otherJobs.hidden = !others.length;
    this._otherJobs.replaceChildren();
    if (others.length) {
      this._otherJobs.append('Also running: ');
      for (const job of others) {
        const link = element('button', 'gt-link', job.path ?? job.output);
        link.title = 'Show this job';
        link.addEventListener('click', () =>
          this._show(job.path ?? job.output)
        );
        this._otherJobs.append(link, ' ');
      }
    }
    this._samples.update(ready && !!this._form.output);

    const trial = this.trial;
    this._tryButton.disabled =
      !ready ||
      !trial.canStart ||
      ['running', 'cancelling'].includes(model.state) ||
      !this._form.input ||
      !this._form.output ||
      !this._form.stages.length;
    this._tryButton.title = `Run every chosen stage on the first ${TRY_PROBLEMS} problems in a scratch folder, open its first sample and measure the rates for an estimate`;
    this._renderTrial();
    this._renderEstimate();
  }

  private _renderTrial(): void {
    const trial = this.trial;
    const box = this._trialBox;
    box.dataset.state = trial.state;
    box.hidden = trial.state === 'idle' && !trial.problem;
    box.replaceChildren();
    if (box.hidden) {
      return;
    }
    const running = trial.stages.find(stage => stage.status === 'running');
    const label =
      trial.state === 'running'
        ? `Trying ${TRY_PROBLEMS} problems${running ? `: ${running.stage} ${running.done}${running.total ? ` / ${running.total}` : ''}` : '…'}`
        : `Try ${TRY_PROBLEMS}: ${STATE_LABELS[trial.state].toLowerCase()}`;
    box.append(element('div', 'gt-try-state', label));
    if (trial.folder && trial.state !== 'running') {
      box.append(element('div', 'gt-try-folder', `in ${trial.output}`));
    }
    if (trial.state === 'finished' && trial.stages.length) {
      const counts = trial.stages
        .filter(stage => stage.status === 'done')
        .map(
          stage =>
            `${stage.stage}: ${Object.entries(stage.counts)
              .map(([name, n]) => `${name} ${n}`)
              .join(', ')}`
        );
      box.append(element('div', 'gt-try-counts', counts.join(' · ')));
    }
    if (trial.problem) {
      box.append(
        element('div', 'gt-message-error', trial.problem.message),
        element('div', 'gt-hint', trial.problem.hint)
      );
    }
    if (this._trialNote) {
      box.append(element('div', 'gt-hint', this._trialNote));
    }
  }

  /** The whole job's time from the rates measured so far (by Try, or by the job itself). */
  private _renderEstimate(): void {
    const problems = problemCount(this._form) ?? this._preview.lines;
    const base = this._measured ?? measuredRates(this.model.stats);
    const rates = withLiveRates(base, this.model.stages);
    const measured =
      rates.traceItemsPerS !== null || rates.translateSPerItem !== null;
    this._estimate.hidden = !measured || !problems;
    if (this._estimate.hidden || !problems) {
      return;
    }
    const size = {
      problems,
      stages: this._form.stages,
      pairsPerProblem: this._form.pairsPerProblem,
      tracesPerProblem: this._form.tracesPerProblem
    };
    const live =
      rates.traceItemsPerS !== base.traceItemsPerS ||
      rates.translateSPerItem !== base.translateSPerItem;
    const source = live
      ? 'rates of this run'
      : this._measured
        ? `rates of Try ${TRY_PROBLEMS}`
        : 'rates of the last run';
    this._estimate.textContent = `${describeEstimate(size, rates, estimateJob(size, rates))} (${source})`;
  }

  /** A finished Try: keep its rates, open its first sample. */
  private async _onTrialState(): Promise<void> {
    this._render();
    const trial = this.trial;
    if (trial.state !== 'finished' || !trial.folder) {
      return;
    }
    this._measured = measuredRates(trial.stats);
    const folder = trial.folder;
    try {
      // when translate ran, the first verified narration, else the first narration at all
      // (a small model's may all fail the check: its verdict shows why), else the first item
      const firstOf = async (verdict: string) =>
        (
          await this._connection.request<SampleList>({
            type: 'samples',
            output: folder,
            verdict,
            limit: 1
          })
        ).rows[0];
      const translated = trial.stages.some(
        stage => stage.stage === 'translate'
      );
      const first =
        (translated
          ? ((await firstOf('pass')) ?? (await firstOf('translated')))
          : undefined) ?? (await firstOf(''));
      if (first) {
        this._openSample(folder, first.id);
      } else {
        this._trialNote = `No item of the first ${TRY_PROBLEMS} problems made a sample.`;
      }
    } catch (reason) {
      this._trialNote = `Could not list the trial's samples: ${(reason as Error).message}`;
    }
    this._render();
  }

  private _connection: JobsConnection;
  private _form: IGeneratorForm;
  private _saveForm: (form: IGeneratorForm) => void;
  private _fields: FormFields;
  private _preview: InputPreview;
  private _samples: SampleBrowser;
  private _kernelBadge = element('span', 'gt-kernel-badge');
  private _connectionNote = element('div', 'gt-problem');
  private _openSample: (output: string, id: string) => void;
  private _measured: IRates | null = null;
  private _trialNote = '';
  private _tryButton = element('button', 'jp-Button gt-try');
  private _trialBox = element('div', 'gt-try-result');
  private _estimate = element('div', 'gt-estimate');
  private _startButton = element(
    'button',
    'jp-Button gt-button-primary gt-start'
  );
  private _cancelButton = element(
    'button',
    'jp-Button jp-mod-reject gt-cancel'
  );
  private _stateBadge = element('span', 'gt-state-badge');
  private _problemBox = element('div', 'gt-problem gt-job-problem');
  private _progressList = element('ol', 'gt-stages');
  private _otherJobs = element('div', 'gt-note');
  private _mayConnect = false;
  private _optionsDetails: HTMLDetailsElement | null = null;
}
