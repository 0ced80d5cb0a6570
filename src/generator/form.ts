import { Contents } from '@jupyterlab/services';

import { element } from '../common/dom';
import { STAGE_HELP } from './format';
import { JobOptions, Stage, STAGES } from '../schema/jobs';

/**
 * The panel's form: what a new job is started with. Its keys and defaults are those of
 * schema/generator.json (generated from the jobs schema's JobOptions); the plugin fills
 * it from the settings registry's composite, so no default is restated here.
 */
export interface IGeneratorForm {
  input: string;
  output: string;
  stages: Stage[];
  /** The first N problems (input lines) only; null: all. */
  limit: number | null;
  /** A seeded random sample of N problems instead (not with limit). */
  sample: number | null;
  pairsPerProblem: number;
  tracesPerProblem: number;
  maxTraceLines: number;
  timeout: number;
  /** null: one per CPU. */
  workers: number | null;
  executor?: 'local' | 'ray';
  rayAddress?: string | null;
  translatorUrl: string;
  model: string;
}

/** How many problems a form's job takes, when it is limited (else null: all). */
export function problemCount(form: IGeneratorForm): number | null {
  return form.limit ?? form.sample ?? null;
}

/** The job options for a form (the CLI's names). */
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
  if (form.limit) {
    options.limit = form.limit;
  } else if (form.sample) {
    options.sample = form.sample;
  }
  if (form.workers) {
    options.workers = form.workers;
  }
  if (form.executor && form.executor !== 'local') {
    options.executor = form.executor;
    if (form.rayAddress) {
      options.ray_address = form.rayAddress;
    }
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
    help: 'Items traced at once; empty means one per CPU.',
    min: 1,
    step: 1
  }
];

/** Number fields that may be left empty (null). */
const NULLABLE: (keyof IGeneratorForm)[] = ['workers'];

/** What the form's fields tell the panel. */
export interface IFormFieldsOptions {
  /** Lists the folders and JSONL files beside what is typed into the input field. */
  contents: Contents.IManager;
  /** A field changed: the panel reads the form again. */
  changed: () => void;
  /** An input file was chosen (typed and left, or dropped): its preview is due. */
  inputChosen: () => void;
  /** Another output folder was typed: the panel shows its job. */
  outputChosen: (output: string) => void;
}

/** The Lumino drag event the file browser sends (its contents are item paths). */
interface IContentsDragEvent extends DragEvent {
  mimeData: { hasData(mime: string): boolean; getData(mime: string): unknown };
  dropAction: string;
  proposedAction: string;
}

const CONTENTS_MIME = 'application/x-jupyter-icontents';
const DRAG_EVENTS = ['lm-dragenter', 'lm-dragover', 'lm-dragleave', 'lm-drop'];

/**
 * The form's fields: the input file (with completions, and a drop target for the file
 * browser's items), the output folder, the stages and the numeric and translator options.
 * The panel places the rows; this fills them from a form and reads them back.
 */
export class FormFields {
  constructor(options: IFormFieldsOptions) {
    this._options = options;
    const { changed, inputChosen } = options;

    this.inputField = textField('gt-input', 'Enter a path, or drop a file');
    this.inputField.setAttribute('list', 'gt-input-completions');
    this._completions.id = 'gt-input-completions';
    this.inputRow = field(
      'Input file',
      'Problems as JSONL (PyEdu / CodeI/O, or CRUXEval-style); drop one from the file browser.',
      this.inputField
    );
    this.inputRow.append(this._completions);
    this.outputField = textField('gt-output', 'runs/my-dataset');
    this.outputRow = field(
      'Output folder',
      'Created if missing; a folder with an earlier job is resumed.',
      this.outputField
    );
    this.inputField.addEventListener('input', () => {
      changed();
      this._complete();
    });
    this.inputField.addEventListener('change', () => {
      changed();
      inputChosen();
    });
    this.outputField.addEventListener('change', () =>
      options.outputChosen(this.outputField.value.trim())
    );

    this._problemsCount = element('input', 'gt-number gt-problems-count');
    this._problemsCount.type = 'number';
    this._problemsCount.min = '1';
    this._problemsCount.step = '1';
    this._problemsCount.placeholder = 'all';
    this._problemsMode = element('select', 'gt-problems-mode');
    for (const [value, text] of [
      ['limit', 'first N'],
      ['sample', 'seeded sample of N']
    ]) {
      const option = element('option', '', text);
      option.value = value;
      this._problemsMode.append(option);
    }
    for (const input of [this._problemsCount, this._problemsMode]) {
      input.addEventListener('change', changed);
    }
    const problems = element('span', 'gt-problems');
    problems.append(this._problemsCount, this._problemsMode);
    this.problemsRow = field(
      'Problems',
      'How many input problems the job takes: the first N, or a sample of N drawn with the seed; empty: all.',
      problems
    );
    this._problemsCount.id = `${problems.id}-count`;
    this.problemsRow.querySelector('label')!.htmlFor = this._problemsCount.id;
    this._problemsMode.setAttribute('aria-label', 'Which problems');

    for (const stage of STAGES) {
      const box = element('input', 'gt-stage-check');
      box.type = 'checkbox';
      box.dataset.stage = stage;
      box.addEventListener('change', changed);
      this._stageBoxes.set(stage, box);
      const label = element('label', 'gt-check');
      label.append(box, element('span', 'gt-check-name', stage));
      const row = element('div', 'gt-field gt-field-check');
      row.append(label, element('div', 'gt-help', STAGE_HELP[stage]));
      this.optionRows.push(row);
    }
    for (const spec of NUMBER_FIELDS) {
      const input = element('input', 'gt-number');
      input.type = 'number';
      input.min = String(spec.min);
      input.step = String(spec.step);
      input.dataset.option = spec.key;
      input.addEventListener('change', changed);
      this._numberFields.set(spec.key, input);
      this.optionRows.push(field(spec.label, spec.help, input, true));
    }
    this._urlField = textField('gt-translator-url', 'http://host:8000/v1');
    this._modelField = textField('gt-model', "the server's model");
    this.optionRows.push(
      field(
        'Translator endpoint',
        'An OpenAI-compatible server (vLLM), ending in /v1; used by the translate stage.',
        this._urlField
      ),
      field(
        'Translator model',
        'The served model name; leave empty to use the only model the server has.',
        this._modelField
      )
    );
    for (const input of [this._urlField, this._modelField]) {
      input.addEventListener('change', changed);
    }
  }

  readonly inputField: HTMLInputElement;
  readonly outputField: HTMLInputElement;
  /** The input file's row (it holds the completions and is the drop target). */
  readonly inputRow: HTMLElement;
  readonly outputRow: HTMLElement;
  /** How many problems: N, and first N or a seeded sample. */
  readonly problemsRow: HTMLElement;
  /** The stages' checkboxes, then the options, for the collapsible section. */
  readonly optionRows: HTMLElement[] = [];

  fill(form: IGeneratorForm): void {
    this.inputField.value = form.input;
    this.outputField.value = form.output;
    for (const [stage, box] of this._stageBoxes) {
      box.checked = form.stages.includes(stage);
    }
    this._problemsCount.value = String(problemCount(form) ?? '');
    this._problemsMode.value = form.sample && !form.limit ? 'sample' : 'limit';
    for (const [key, input] of this._numberFields) {
      const value = form[key];
      input.value = value === null || value === undefined ? '' : String(value);
    }
    this._urlField.value = form.translatorUrl;
    this._modelField.value = form.model;
  }

  /** The fields' values over `form` (which may hold keys the fields do not show). */
  read(form: IGeneratorForm): IGeneratorForm {
    const numbers: Partial<IGeneratorForm> = {};
    for (const [key, input] of this._numberFields) {
      const value = Number(input.value);
      (numbers as any)[key] =
        isFinite(value) && input.value !== ''
          ? value
          : NULLABLE.includes(key)
            ? null
            : form[key]; // an emptied field keeps its value
    }
    const count = Number(this._problemsCount.value);
    const n =
      this._problemsCount.value !== '' && isFinite(count) && count >= 1
        ? Math.floor(count)
        : null;
    const sample = this._problemsMode.value === 'sample';
    return {
      ...form,
      ...numbers,
      limit: sample ? null : n,
      sample: sample ? n : null,
      input: this.inputField.value.trim(),
      output: this.outputField.value.trim(),
      stages: STAGES.filter(stage => this._stageBoxes.get(stage)!.checked),
      translatorUrl: this._urlField.value.trim(),
      model: this._modelField.value.trim()
    };
  }

  /** Listens for the file browser's drags (while the panel is attached). */
  attach(): void {
    for (const type of DRAG_EVENTS) {
      this.inputRow.addEventListener(type, this);
    }
  }

  detach(): void {
    for (const type of DRAG_EVENTS) {
      this.inputRow.removeEventListener(type, this);
    }
  }

  handleEvent(event: Event): void {
    switch (event.type) {
      case 'lm-dragenter':
      case 'lm-dragover':
        this._onDragOver(event as IContentsDragEvent);
        break;
      case 'lm-dragleave':
        this.inputRow.classList.remove('gt-mod-dropTarget');
        break;
      case 'lm-drop':
        this._onDrop(event as IContentsDragEvent);
        break;
      default:
        break;
    }
  }

  /** Fills the completion list from the folder of what was typed (contents API). */
  private _complete(): void {
    const typed = this.inputField.value.trim();
    const slash = typed.lastIndexOf('/');
    const folder = slash >= 0 ? typed.slice(0, slash) : '';
    if (folder === this._completedFolder) {
      return;
    }
    this._completedFolder = folder;
    this._options.contents
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
    if (!acceptDrag(event)) {
      return;
    }
    this.inputRow.classList.add('gt-mod-dropTarget');
  }

  private _onDrop(event: IContentsDragEvent): void {
    this.inputRow.classList.remove('gt-mod-dropTarget');
    if (!acceptDrag(event)) {
      return;
    }
    const paths = event.mimeData.getData(CONTENTS_MIME) as string[] | string;
    const path = Array.isArray(paths) ? paths[0] : paths;
    if (path) {
      this.inputField.value = path;
      this._options.changed();
      this._options.inputChosen();
    }
  }

  private _options: IFormFieldsOptions;
  private _completions = element('datalist');
  private _completedFolder: string | null = null;
  private _stageBoxes = new Map<Stage, HTMLInputElement>();
  private _numberFields = new Map<keyof IGeneratorForm, HTMLInputElement>();
  private _urlField: HTMLInputElement;
  private _problemsCount: HTMLInputElement;
  private _problemsMode: HTMLSelectElement;
  private _modelField: HTMLInputElement;
}

/** Takes a drag of file browser items; anything else passes by. */
function acceptDrag(event: IContentsDragEvent): boolean {
  if (!event.mimeData?.hasData(CONTENTS_MIME)) {
    return false;
  }
  event.preventDefault();
  event.stopPropagation();
  event.dropAction = event.proposedAction; // the file browser offers 'move' only; nothing moves
  return true;
}

/** A labelled row: the label, the control, and a line of help below. */
function field(
  label: string,
  help: string,
  control: HTMLElement,
  inline = false
): HTMLElement {
  const row = element('div', inline ? 'gt-field gt-field-inline' : 'gt-field');
  const labelNode = element('label', 'gt-label', label);
  const id = `gt-field-${label.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  control.id = id;
  labelNode.htmlFor = id;
  row.append(labelNode, control, element('div', 'gt-help', help));
  return row;
}

function textField(className: string, placeholder: string): HTMLInputElement {
  const input = element('input', `gt-text ${className}`);
  input.type = 'text';
  input.placeholder = placeholder;
  input.spellcheck = false;
  return input;
}
