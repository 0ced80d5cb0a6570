import { Contents } from '@jupyterlab/services';
import { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';

import { element } from './dom';
import {
  formatDone,
  formatEta,
  formatRate,
  isBadOutcome,
  STAGE_HELP,
  STATE_LABELS
} from './generatorFormat';
import { IJobsTransport, JobModel, JobRequestError, STAGES } from './jobModel';
import { JobsConnection } from './jobsConnection';
import { JobOptions, Preview, SampleList, Stage } from './jobsSchema';

/** The panel's form: what a new job is started with (defaults from the settings). */
export interface IGeneratorForm {
  input: string;
  output: string;
  stages: Stage[];
  pairsPerProblem: number;
  tracesPerProblem: number;
  maxTraceLines: number;
  timeout: number;
  workers: number;
  translatorUrl: string;
  model: string;
}

export const DEFAULT_FORM: IGeneratorForm = {
  input: '',
  output: 'runs/dataset',
  stages: [...STAGES],
  pairsPerProblem: 10,
  tracesPerProblem: 1,
  maxTraceLines: 300,
  timeout: 5,
  workers: 0,
  translatorUrl: 'http://127.0.0.1:8000/v1',
  model: ''
};

/** The job options for a form (the CLI's names; 0 workers means one per CPU). */
export function jobOptions(form: IGeneratorForm): JobOptions {
  const options: JobOptions = {
    input: form.input.trim(),
    output: form.output.trim(),
    stages: STAGES.filter(stage => form.stages.includes(stage)),
    pairs_per_problem: form.pairsPerProblem,
    traces_per_problem: form.tracesPerProblem,
    max_trace_lines: form.maxTraceLines,
    timeout: form.timeout
  };
  if (form.workers > 0) {
    options.workers = form.workers;
  }
  if (form.stages.includes('translate')) {
    options.translator_url = form.translatorUrl.trim();
    if (form.model.trim()) {
      options.model = form.model.trim();
    }
  }
  return options;
}

/** A numeric option of the form, with its one-line explanation. */
const NUMBER_FIELDS: {
  key: keyof IGeneratorForm;
  label: string;
  help: string;
  min: number;
  step: number;
}[] = [
  {
    key: 'pairsPerProblem',
    label: 'Pairs per problem',
    help: 'At most this many input/output pairs are traced per problem (seeded sample).',
    min: 1,
    step: 1
  },
  {
    key: 'tracesPerProblem',
    label: 'Traces per problem',
    help: 'Usable traces select keeps per problem description.',
    min: 1,
    step: 1
  },
  {
    key: 'maxTraceLines',
    label: 'Max trace lines',
    help: 'A trace is stopped past this many lines; select keeps shorter ones.',
    min: 1,
    step: 1
  },
  {
    key: 'timeout',
    label: 'Timeout (s)',
    help: 'Wall-time limit for one item; the CPU limit follows it.',
    min: 0.1,
    step: 0.5
  },
  {
    key: 'workers',
    label: 'Workers',
    help: 'Items traced at once; 0 means one per CPU.',
    min: 0,
    step: 1
  }
];

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

/** The Lumino drag event the file browser sends (its contents are item paths). */
interface IContentsDragEvent extends DragEvent {
  mimeData: { hasData(mime: string): boolean; getData(mime: string): unknown };
  dropAction: string;
  proposedAction: string;
}

const CONTENTS_MIME = 'application/x-jupyter-icontents';
/** Sample rows asked for at a time, and at most (jobs.schema.json caps `limit`). */
const SAMPLE_PAGE = 200;
const MAX_SAMPLE_ROWS = 1000;
const DRAG_EVENTS = ['lm-dragenter', 'lm-dragover', 'lm-dragleave', 'lm-drop'];

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
    this._contents = options.contents;
    this._form = { ...DEFAULT_FORM, ...options.form };
    this._saveForm = options.saveForm;
    this._openSample = options.openSample;
    this.model = new JobModel(this._connection as IJobsTransport);
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
    this._fillForm();
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
    this._samples = null;
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

  handleEvent(event: Event): void {
    switch (event.type) {
      case 'lm-dragenter':
      case 'lm-dragover':
        this._onDragOver(event as IContentsDragEvent);
        break;
      case 'lm-dragleave':
        this._inputRow.classList.remove('gt-mod-dropTarget');
        break;
      case 'lm-drop':
        this._onDrop(event as IContentsDragEvent);
        break;
      default:
        break;
    }
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    for (const type of DRAG_EVENTS) {
      this._inputRow.addEventListener(type, this);
    }
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (this._mayConnect) {
      void this.connect();
    }
  }

  protected onBeforeDetach(msg: Message): void {
    for (const type of DRAG_EVENTS) {
      this._inputRow.removeEventListener(type, this);
    }
    super.onBeforeDetach(msg);
  }

  // ---------------------------------------------------------------- building

  /** Shows the job of another output folder. */
  private _show(output: string): void {
    this._outputField.value = output;
    this._readForm();
    this._samples = null;
    void this.model.follow(this._form.output);
  }

  /** While a job runs its options cannot change: make room for its progress. */
  private _collapseOptions(): void {
    if (this._optionsDetails) {
      this._optionsDetails.open = false;
    }
  }

  private _build(): void {
    const node = this.node;
    const header = element('div', 'gt-Generator-header');
    header.append(
      element('h2', 'gt-Generator-title', 'Dataset Generator'),
      this._kernelBadge
    );
    node.append(header, this._connectionNote);

    // input and output
    const files = this._section('Data');
    this._inputField = this._textField(
      'gt-input',
      'Enter a path, or drop a file'
    );
    this._inputField.setAttribute('list', 'gt-input-completions');
    this._completions.id = 'gt-input-completions';
    this._inputRow = this._field(
      files,
      'Input file',
      'Problems as JSONL (PyEdu / CodeI/O, or CRUXEval-style); drop one from the file browser.',
      this._inputField
    );
    this._inputRow.append(this._completions);
    files.append(this._preview);
    this._outputField = this._textField('gt-output', 'runs/my-dataset');
    this._field(
      files,
      'Output folder',
      'Created if missing; a folder with an earlier job is resumed.',
      this._outputField
    );
    this._inputField.addEventListener('input', () => {
      this._readForm();
      this._complete();
    });
    this._inputField.addEventListener('change', () => {
      this._readForm();
      void this._loadPreview();
    });
    this._outputField.addEventListener('change', () =>
      this._show(this._outputField.value.trim())
    );

    // stages
    const stages = this._section('Stages and options', true);
    for (const stage of STAGES) {
      const box = element('input', 'gt-stage-check');
      box.type = 'checkbox';
      box.dataset.stage = stage;
      box.addEventListener('change', () => this._readForm());
      this._stageBoxes.set(stage, box);
      const label = element('label', 'gt-check');
      label.append(box, element('span', 'gt-check-name', stage));
      const row = element('div', 'gt-field gt-field-check');
      row.append(label, element('div', 'gt-help', STAGE_HELP[stage]));
      stages.append(row);
    }

    // options
    const options = stages;
    for (const spec of NUMBER_FIELDS) {
      const input = element('input', 'gt-number');
      input.type = 'number';
      input.min = String(spec.min);
      input.step = String(spec.step);
      input.dataset.option = spec.key;
      input.addEventListener('change', () => this._readForm());
      this._numberFields.set(spec.key, input);
      this._field(options, spec.label, spec.help, input, true);
    }
    this._urlField = this._textField(
      'gt-translator-url',
      'http://host:8000/v1'
    );
    this._field(
      options,
      'Translator endpoint',
      'An OpenAI-compatible server (vLLM), ending in /v1; used by the translate stage.',
      this._urlField
    );
    this._modelField = this._textField('gt-model', "the server's model");
    this._field(
      options,
      'Translator model',
      'The served model name; leave empty to use the only model the server has.',
      this._modelField
    );
    for (const field of [this._urlField, this._modelField]) {
      field.addEventListener('change', () => this._readForm());
    }

    // actions and progress
    const run = this._section('Run');
    const actions = element('div', 'gt-actions');
    this._startButton.addEventListener('click', () => void this.start());
    this._cancelButton.addEventListener('click', () => void this.cancel());
    this._cancelButton.textContent = 'Cancel';
    actions.append(this._startButton, this._cancelButton, this._stateBadge);
    run.append(actions, this._problemBox, this._progressList, this._otherJobs);

    // samples
    const samples = this._section('Samples');
    this._browseButton.textContent = 'Browse samples';
    this._browseButton.addEventListener(
      'click',
      () => void this._loadSamples()
    );
    const filters = element('div', 'gt-sample-filters');
    this._statusFilter.setAttribute('aria-label', 'Filter by status');
    this._verdictFilter.setAttribute('aria-label', 'Filter by verdict');
    this._searchField.type = 'search';
    this._searchField.placeholder = 'Search id or text';
    this._searchField.setAttribute('aria-label', 'Search samples');
    for (const control of [this._statusFilter, this._verdictFilter]) {
      control.addEventListener('change', () => void this._loadSamples());
    }
    let timer = 0;
    this._searchField.addEventListener('input', () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(() => void this._loadSamples(), 250);
    });
    filters.append(this._statusFilter, this._verdictFilter, this._searchField);
    this._moreButton.textContent = 'Show more';
    this._moreButton.addEventListener('click', () => {
      this._sampleLimit = Math.min(
        MAX_SAMPLE_ROWS,
        this._sampleLimit + SAMPLE_PAGE
      );
      void this._loadSamples(false);
    });
    samples.append(
      this._browseButton,
      filters,
      this._sampleSummary,
      this._sampleList,
      this._moreButton
    );

    this._fillForm();
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

  private _field(
    parent: HTMLElement,
    label: string,
    help: string,
    control: HTMLElement,
    inline = false
  ): HTMLElement {
    const row = element(
      'div',
      inline ? 'gt-field gt-field-inline' : 'gt-field'
    );
    const labelNode = element('label', 'gt-label', label);
    const id = `gt-field-${label.toLowerCase().replace(/[^a-z]+/g, '-')}`;
    control.id = id;
    labelNode.htmlFor = id;
    row.append(labelNode, control, element('div', 'gt-help', help));
    parent.append(row);
    return row;
  }

  private _textField(className: string, placeholder: string): HTMLInputElement {
    const field = element('input', `gt-text ${className}`);
    field.type = 'text';
    field.placeholder = placeholder;
    field.spellcheck = false;
    return field;
  }

  private _fillForm(): void {
    this._inputField.value = this._form.input;
    this._outputField.value = this._form.output;
    for (const [stage, box] of this._stageBoxes) {
      box.checked = this._form.stages.includes(stage);
    }
    for (const [key, input] of this._numberFields) {
      input.value = String(this._form[key]);
    }
    this._urlField.value = this._form.translatorUrl;
    this._modelField.value = this._form.model;
  }

  private _readForm(): void {
    const numbers: Partial<IGeneratorForm> = {};
    for (const [key, input] of this._numberFields) {
      const value = Number(input.value);
      (numbers as any)[key] =
        isFinite(value) && input.value !== '' ? value : DEFAULT_FORM[key];
    }
    this._form = {
      ...this._form,
      ...numbers,
      input: this._inputField.value.trim(),
      output: this._outputField.value.trim(),
      stages: STAGES.filter(stage => this._stageBoxes.get(stage)!.checked),
      translatorUrl: this._urlField.value.trim(),
      model: this._modelField.value.trim()
    };
    this._changedForm(true);
  }

  private _changedForm(save: boolean): void {
    if (save) {
      this._saveForm(this.form);
    }
    this._render();
  }

  // ---------------------------------------------------------------- input file

  /** Fills the completion list from the folder of what was typed (contents API). */
  private _complete(): void {
    const typed = this._form.input;
    const slash = typed.lastIndexOf('/');
    const folder = slash >= 0 ? typed.slice(0, slash) : '';
    if (folder === this._completedFolder) {
      return;
    }
    this._completedFolder = folder;
    this._contents
      .get(folder, { content: true, type: 'directory' })
      .then(model => {
        const items = (model.content as Contents.IModel[]) ?? [];
        this._completions.replaceChildren(
          ...items
            .filter(
              item =>
                item.type === 'directory' || /\.jsonl(\.gz)?$/.test(item.name)
            )
            .slice(0, 200)
            .map(item => {
              const option = element('option');
              option.value =
                item.type === 'directory' ? `${item.path}/` : item.path;
              return option;
            })
        );
      })
      .catch(() => this._completions.replaceChildren());
  }

  private _onDragOver(event: IContentsDragEvent): void {
    if (!event.mimeData?.hasData(CONTENTS_MIME)) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    event.dropAction = event.proposedAction; // the file browser offers 'move' only; nothing moves
    this._inputRow.classList.add('gt-mod-dropTarget');
  }

  private _onDrop(event: IContentsDragEvent): void {
    this._inputRow.classList.remove('gt-mod-dropTarget');
    if (!event.mimeData?.hasData(CONTENTS_MIME)) {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    event.dropAction = event.proposedAction; // the file browser offers 'move' only; nothing moves
    const paths = event.mimeData.getData(CONTENTS_MIME) as string[] | string;
    const path = Array.isArray(paths) ? paths[0] : paths;
    if (path) {
      this._inputField.value = path;
      this._readForm();
      void this._loadPreview();
    }
  }

  /** Asks the kernel for the first records of the input file and its malformed lines. */
  private async _loadPreview(): Promise<void> {
    const path = this._form.input;
    if (!path) {
      this._previewResult = null;
      this._renderPreview();
      return;
    }
    this._previewResult = { loading: path };
    this._renderPreview();
    try {
      const preview = await this._connection.request<Preview>({
        type: 'preview',
        path
      });
      if (path === this._form.input) {
        this._previewResult = { preview };
      }
    } catch (reason) {
      if (path === this._form.input) {
        const error = reason as JobRequestError;
        this._previewResult = {
          error: error.message,
          hint: error.hint ?? ''
        };
      }
    }
    this._renderPreview();
  }

  private _renderPreview(): void {
    const box = this._preview;
    box.replaceChildren();
    const result = this._previewResult;
    box.hidden = !result;
    if (!result) {
      return;
    }
    if ('loading' in result) {
      box.dataset.state = 'loading';
      box.append(element('div', 'gt-note', 'Reading the first records…'));
      return;
    }
    if ('error' in result) {
      box.dataset.state = 'error';
      box.append(
        element('div', 'gt-message-error', result.error),
        element('div', 'gt-hint', result.hint)
      );
      return;
    }
    const { records, malformed } = result.preview;
    box.dataset.state = malformed.length
      ? records.length
        ? 'warn'
        : 'error'
      : 'ok';
    const plural = (n: number, word: string) =>
      `${n} ${word}${n === 1 ? '' : 's'}`;
    const summary = !records.length
      ? 'No problem could be read from the first lines of this file.'
      : malformed.length
        ? `${plural(records.length, 'record')} read as problems, and ${plural(malformed.length, 'malformed line')}:`
        : `Looks right: the first ${plural(records.length, 'record')} read as problems.`;
    box.append(element('div', `gt-message-${box.dataset.state}`, summary));
    if (malformed.length) {
      const list = element('ul', 'gt-malformed');
      for (const line of malformed.slice(0, 5)) {
        list.append(
          element(
            'li',
            '',
            `line ${line.line_no}: ${line.reason.replace(/_/g, ' ')}${line.detail ? ` (${line.detail})` : ''}`
          )
        );
      }
      box.append(
        element(
          'div',
          'gt-hint',
          'Malformed lines are skipped and listed in rejected.jsonl; fix them in the input file to include them.'
        ),
        list
      );
    }
    if (records.length) {
      const table = element('table', 'gt-preview-table');
      const head = element('tr');
      for (const title of ['line', 'id', 'pairs', 'problem']) {
        head.append(element('th', '', title));
      }
      table.append(head);
      for (const record of records) {
        const row = element('tr');
        row.append(
          element('td', 'gt-num', String(record.line_no)),
          element('td', 'gt-mono', String(record.id)),
          element('td', 'gt-num', String(record.n_ios)),
          element('td', 'gt-ellipsis', record.problem_description)
        );
        row.title = record.problem_description;
        table.append(row);
      }
      box.append(table);
    }
  }

  // ---------------------------------------------------------------- samples

  /** Asks the kernel for the folder's items (a new filter starts from the first page). */
  private async _loadSamples(firstPage = true): Promise<void> {
    const output = this.model.folder ?? this._form.output;
    if (!output) {
      return;
    }
    if (firstPage) {
      this._sampleLimit = SAMPLE_PAGE;
    }
    this._sampleSummary.textContent = 'Reading the folder…';
    try {
      const list = await this._connection.request<SampleList>({
        type: 'samples',
        output,
        status: this._statusFilter.value,
        verdict: this._verdictFilter.value,
        query: this._searchField.value,
        limit: this._sampleLimit
      });
      this._samples = list;
      this._samplesOutput = output;
      this._renderSamples();
    } catch (reason) {
      const error = reason as JobRequestError;
      this._samples = null;
      this._sampleList.replaceChildren();
      this._sampleSummary.textContent = `${error.message}${error.hint ? ` — ${error.hint}` : ''}`;
    }
  }

  private _renderSamples(): void {
    const list = this._samples;
    const shown = !!list;
    this._statusFilter.hidden = !shown;
    this._verdictFilter.hidden = !shown;
    this._searchField.hidden = !shown;
    this._browseButton.textContent = shown
      ? 'Refresh samples'
      : 'Browse samples';
    if (!list) {
      this._sampleList.replaceChildren();
      this._sampleSummary.textContent = '';
      this._moreButton.hidden = true;
      return;
    }
    fillSelect(this._statusFilter, 'All statuses', list.statuses);
    fillSelect(this._verdictFilter, 'All verdicts', list.verdicts);
    this._sampleSummary.textContent =
      list.matched === list.total
        ? `${list.total} items`
        : `${list.matched} of ${list.total} items match`;
    if (list.rows.length < list.matched) {
      this._sampleSummary.textContent += ` (first ${list.rows.length} shown)`;
    }
    this._moreButton.hidden =
      list.rows.length >= list.matched || this._sampleLimit >= MAX_SAMPLE_ROWS;
    this._sampleList.replaceChildren(
      ...list.rows.map(row => {
        const item = element('li', 'gt-sample');
        item.tabIndex = 0;
        item.dataset.id = row.id;
        item.setAttribute('role', 'button');
        const status =
          row.status === 'ok' && row.output_matches === false
            ? 'mismatch'
            : row.status;
        const badges = element('span', 'gt-sample-badges');
        badges.append(badge(status, status === 'ok' ? 'good' : 'bad'));
        if (row.verdict) {
          badges.append(
            badge(row.verdict, row.verdict === 'pass' ? 'good' : 'bad')
          );
        }
        item.append(
          element('span', 'gt-sample-id', row.id),
          badges,
          element('span', 'gt-sample-question', row.question ?? '')
        );
        item.title = `Open ${row.id} in the trace viewer`;
        const open = () => this._openSample(this._samplesOutput, row.id);
        item.addEventListener('click', open);
        item.addEventListener('keydown', event => {
          if (event.key === 'Enter' || event.key === ' ') {
            event.preventDefault();
            open();
          }
        });
        return item;
      })
    );
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
    if (this._form.input && !this._previewResult) {
      void this._loadPreview();
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

    this._renderProblem();
    this._renderProgress();
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
    if (!this._samples) {
      this._renderSamples();
    }
    this._browseButton.disabled = !ready || !this._form.output;
  }

  private _renderProblem(): void {
    const problem = this.model.problem;
    const box = this._problemBox;
    box.replaceChildren();
    const malformed = this.model.malformed;
    box.hidden = !problem && !malformed.length;
    if (problem) {
      box.dataset.kind = this.model.state === 'interrupted' ? 'note' : 'error';
      box.append(
        element('div', 'gt-problem-message', sentence(problem.message))
      );
      if (problem.hint) {
        box.append(element('div', 'gt-hint', `What to do: ${problem.hint}`));
      }
    } else {
      box.dataset.kind = 'warn';
    }
    if (malformed.length) {
      const count = this.model.malformedCount;
      box.append(
        element(
          'div',
          'gt-problem-message',
          `${count} malformed input line${count > 1 ? 's were' : ' was'} skipped (listed in rejected.jsonl):`
        )
      );
      const list = element('ul', 'gt-malformed');
      for (const line of malformed.slice(0, 10)) {
        list.append(
          element(
            'li',
            '',
            `line ${line.line_no}: ${line.reason.replace(/_/g, ' ')}${line.detail ? ` — ${line.detail}` : ''}`
          )
        );
      }
      if (count > 10) {
        list.append(element('li', '', `… and ${count - 10} more`));
      }
      box.append(
        list,
        element(
          'div',
          'gt-hint',
          'Fix those lines in the input file and resume to include them.'
        )
      );
    }
  }

  private _renderProgress(): void {
    const stages = this.model.stages;
    this._progressList.hidden = !stages.length;
    this._progressList.replaceChildren(
      ...stages.map(stage => {
        const row = element('li', 'gt-stage');
        row.dataset.stage = stage.stage;
        row.dataset.status = stage.status;
        const head = element('div', 'gt-stage-head');
        const numbers = [
          stage.status === 'skipped' || stage.status === 'waiting'
            ? stage.status
            : formatDone(stage.done, stage.total),
          stage.status === 'stopped' ? 'stopped' : '',
          stage.status === 'running' ? formatRate(stage.rate) : '',
          stage.status === 'running' ? formatEta(stage.eta_s) : ''
        ].filter(Boolean);
        head.append(
          element('span', 'gt-stage-name', stage.stage),
          element('span', 'gt-stage-numbers', numbers.join(' · '))
        );
        const bar = element('div', 'gt-bar');
        bar.setAttribute('role', 'progressbar');
        bar.setAttribute('aria-label', `${stage.stage} progress`);
        const fill = element('div', 'gt-bar-fill');
        const fraction = stage.total
          ? Math.min(1, stage.done / stage.total)
          : stage.status === 'done'
            ? 1
            : 0;
        fill.style.width = `${(fraction * 100).toFixed(1)}%`;
        bar.setAttribute('aria-valuenow', String(stage.done));
        if (stage.total !== null) {
          bar.setAttribute('aria-valuemax', String(stage.total));
        }
        bar.dataset.indeterminate = String(
          stage.status === 'running' && !stage.total
        );
        bar.append(fill);
        const counts = element('div', 'gt-counts');
        for (const [name, n] of Object.entries(stage.counts)) {
          const chip = element('span', 'gt-count', `${name} ${n}`);
          chip.dataset.outcome = name;
          chip.dataset.kind = isBadOutcome(name) ? 'bad' : 'good';
          counts.append(chip);
        }
        row.append(head, bar, counts);
        return row;
      })
    );
  }

  private _connection: JobsConnection;
  private _contents: Contents.IManager;
  private _form: IGeneratorForm;
  private _saveForm: (form: IGeneratorForm) => void;
  private _openSample: (output: string, id: string) => void;
  private _kernelBadge = element('span', 'gt-kernel-badge');
  private _connectionNote = element('div', 'gt-problem');
  private _inputField!: HTMLInputElement;
  private _inputRow!: HTMLElement;
  private _completions = element('datalist');
  private _completedFolder: string | null = null;
  private _outputField!: HTMLInputElement;
  private _preview = element('div', 'gt-preview');
  private _previewResult:
    | { loading: string }
    | { preview: Preview }
    | { error: string; hint: string }
    | null = null;
  private _stageBoxes = new Map<Stage, HTMLInputElement>();
  private _numberFields = new Map<keyof IGeneratorForm, HTMLInputElement>();
  private _urlField!: HTMLInputElement;
  private _modelField!: HTMLInputElement;
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
  private _browseButton = element('button', 'jp-Button gt-browse');
  private _statusFilter = element('select', 'gt-select gt-status-filter');
  private _verdictFilter = element('select', 'gt-select gt-verdict-filter');
  private _searchField = element('input', 'gt-text gt-search');
  private _sampleSummary = element('div', 'gt-note gt-sample-summary');
  private _sampleList = element('ul', 'gt-samples');
  private _moreButton = element('button', 'jp-Button gt-more');
  private _sampleLimit = SAMPLE_PAGE;
  private _samples: SampleList | null = null;
  private _samplesOutput = '';
  private _mayConnect = false;
  private _optionsDetails: HTMLDetailsElement | null = null;
}

function badge(text: string, kind: 'good' | 'bad'): HTMLElement {
  const node = element('span', 'gt-badge', text.replace(/_/g, ' '));
  node.dataset.kind = kind;
  return node;
}

/** Fills a filter menu with "All …" and each value with its count, keeping the choice. */
function fillSelect(
  select: HTMLSelectElement,
  all: string,
  counts: Record<string, number>
): void {
  const chosen = select.value;
  const options = [element('option', '', all)];
  options[0].value = '';
  for (const [value, n] of Object.entries(counts).sort()) {
    const option = element('option', '', `${value.replace(/_/g, ' ')} (${n})`);
    option.value = value;
    options.push(option);
  }
  select.replaceChildren(...options);
  select.value = Object.prototype.hasOwnProperty.call(counts, chosen)
    ? chosen
    : '';
}

/** A kernel message as a sentence: capitalised first letter. */
function sentence(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}
