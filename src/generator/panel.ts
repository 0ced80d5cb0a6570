import { Contents } from '@jupyterlab/services';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { element } from '../common/dom';
import { DEFAULT_FORM, FormFields, IGeneratorForm, jobOptions } from './form';
import { STATE_LABELS } from './format';
import { InputPreview } from './preview';
import { renderProblem, renderProgress } from './progress';
import { SampleBrowser } from './samples';
import { IJobsTransport, JobModel } from '../jobs/model';
import { JobsConnection } from '../jobs/connection';

// The form's exports, for importers of the panel (the plugin).
export { DEFAULT_FORM, jobOptions } from './form';
export type { IGeneratorForm } from './form';

/** What the panel needs around it: the contents API, commands, and where to keep the form. */
export interface IGeneratorPanelOptions {
  connection: JobsConnection;
  contents: Contents.IManager;
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
    this._form = { ...DEFAULT_FORM, ...options.form };
    this._saveForm = options.saveForm;
    this.model = new JobModel(this._connection as IJobsTransport);
    this._fields = new FormFields({
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
    this._connection.statusChanged.connect(this._onConnection, this);
    this._connection.connected.connect(this._onConnected, this);
    this._render();
  }

  readonly model: JobModel;

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

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.dispose();
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
      this._fields.outputRow
    );
    this._section('Stages and options', true).append(
      ...this._fields.optionRows
    );

    const actions = element('div', 'gt-actions');
    this._startButton.addEventListener('click', () => void this.start());
    this._cancelButton.addEventListener('click', () => void this.cancel());
    this._cancelButton.textContent = 'Cancel';
    actions.append(this._startButton, this._cancelButton, this._stateBadge);
    this._section('Run').append(
      actions,
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
    renderProgress(this._progressList, model.stages);
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
  }

  private _connection: JobsConnection;
  private _form: IGeneratorForm;
  private _saveForm: (form: IGeneratorForm) => void;
  private _fields: FormFields;
  private _preview: InputPreview;
  private _samples: SampleBrowser;
  private _kernelBadge = element('span', 'gt-kernel-badge');
  private _connectionNote = element('div', 'gt-problem');
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
