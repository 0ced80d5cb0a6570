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
  /** The format of the trace text select limits and translate reads. */
  traceFormat: 'snoop' | 'compact';
  /** Where the trace stage runs: the local sandboxed pool, or a Ray cluster. */
  executor: 'local' | 'ray';
  /** The Ray cluster (null: "auto"); with the ray executor only. */
  rayAddress: string | null;
  /** CPUs of each Ray actor (null: one actor per node). */
  rayCpusPerActor: number | null;
  translatorUrl: string;
  model: string;
  /** The longest narration, in tokens (null: the translator's default, the paper's). */
  maxTokens: number | null;
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
  if (form.traceFormat) {
    options.trace_format = form.traceFormat;
  }
  if (form.executor === 'ray') {
    options.executor = form.executor;
    if (form.rayAddress?.trim()) {
      options.ray_address = form.rayAddress.trim();
    }
    if (form.rayCpusPerActor) {
      options.ray_cpus_per_actor = form.rayCpusPerActor;
    }
  }
  if (form.stages.includes('translate')) {
    options.translator_url = form.translatorUrl.trim();
    if (form.model.trim()) {
      options.model = form.model.trim();
    }
    if (form.maxTokens) {
      options.max_tokens = form.maxTokens;
    }
  }
  return options;
}

/**
 * An option's JSON schema as the settings registry holds it (schema/generator.json,
 * generated from the jobs schema's JobOptions): its label, help, kind and bounds.
 */
export interface IOptionSchema {
  title?: string;
  description?: string;
  type?: string | string[];
  enum?: readonly unknown[];
  minimum?: number;
  exclusiveMinimum?: number;
  default?: unknown;
}

/** The settings schema's properties, keyed as the form is. */
export type OptionSchemas = Readonly<Record<string, IOptionSchema>>;

/** Options the form lays out itself; every other option of the schema gets a row of its kind. */
const OWN_ROWS = ['input', 'output', 'stages', 'limit', 'sample'];

/** What an empty field means (presentation only: the defaults are the schema's). */
const PLACEHOLDERS: Record<string, string> = {
  workers: 'per CPU',
  rayAddress: 'auto',
  rayCpusPerActor: 'all',
  translatorUrl: 'http://host:8000/v1',
  model: "the server's model",
  maxTokens: "the paper's"
};

/** Options that only apply while another option has a value (disabled otherwise). */
const APPLIES_WHEN: Record<string, (form: IGeneratorForm) => boolean> = {
  rayAddress: form => form.executor === 'ray',
  rayCpusPerActor: form => form.executor === 'ray'
};

/** "rayAddress" → "ray-address" (the control's class). */
function kebab(key: string): string {
  return key.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`);
}

/**
 * One option's row, made from its schema: a select for an enum, a number field for a
 * number (empty means null when the schema allows it), else a text field.
 */
class OptionField {
  constructor(
    readonly key: string,
    readonly spec: IOptionSchema,
    changed: () => void
  ) {
    const types = ([] as string[]).concat(spec.type ?? []);
    this._nullable = types.includes('null');
    const title = spec.title ?? key;
    const help = spec.description ?? '';
    const className = `gt-${kebab(key)}`;
    if (spec.enum) {
      const select = element('select', `gt-select ${className}`);
      for (const value of spec.enum) {
        const option = element('option', '', String(value ?? ''));
        option.value = String(value ?? '');
        select.append(option);
      }
      this.control = select;
      this._kind = 'enum';
    } else if (types.includes('integer') || types.includes('number')) {
      const input = element('input', `gt-number ${className}`);
      input.type = 'number';
      const min = spec.minimum ?? spec.exclusiveMinimum;
      if (min !== undefined) {
        input.min = String(min);
      }
      input.step = types.includes('integer') ? '1' : 'any';
      this._integer = types.includes('integer');
      this.control = input;
      this._kind = 'number';
    } else {
      this.control = textField(className, '');
      this._kind = 'text';
    }
    if (PLACEHOLDERS[key] && this.control instanceof HTMLInputElement) {
      this.control.placeholder = PLACEHOLDERS[key];
    }
    this.control.dataset.option = key;
    this.control.addEventListener('change', changed);
    this.row = field(title, help, this.control, this._kind !== 'text');
    this.row.classList.toggle('gt-field-select', this._kind === 'enum');
    this.row.dataset.optionRow = key;
  }

  readonly control: HTMLInputElement | HTMLSelectElement;
  readonly row: HTMLElement;

  fill(form: IGeneratorForm): void {
    const value = (form as unknown as Record<string, unknown>)[this.key];
    this.control.value =
      value === null || value === undefined ? '' : String(value);
    this.update(form);
  }

  /** Enabled only while the option applies (the Ray options with the ray executor). */
  update(form: IGeneratorForm): void {
    const applies = APPLIES_WHEN[this.key]?.(form) ?? true;
    this.control.disabled = !applies;
    this.row.dataset.applies = String(applies);
  }

  /** The field's value; an invalid or emptied non-nullable field keeps `previous`. */
  read(previous: unknown): unknown {
    const text = this.control.value.trim();
    if (this._kind === 'enum') {
      return (
        this.spec.enum?.find(value => String(value ?? '') === text) ?? previous
      );
    }
    if (this._kind === 'text') {
      return text === '' && this._nullable ? null : text;
    }
    if (text === '') {
      return this._nullable ? null : previous;
    }
    const value = Number(text);
    const { minimum, exclusiveMinimum } = this.spec;
    const valid =
      isFinite(value) &&
      (!this._integer || Number.isInteger(value)) &&
      (minimum === undefined || value >= minimum) &&
      (exclusiveMinimum === undefined || value > exclusiveMinimum);
    return valid ? value : previous;
  }

  private _kind: 'enum' | 'number' | 'text';
  private _nullable: boolean;
  private _integer = false;
}

/** What the form's fields tell the panel. */
export interface IFormFieldsOptions {
  /** The options' schemas (the settings schema's properties): labels, help, kinds. */
  schema: OptionSchemas;
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
    const { schema } = options;
    this.inputRow = field(
      schema.input?.title ?? 'Input file',
      `${schema.input?.description ?? ''} Drop one from the file browser.`,
      this.inputField
    );
    this.inputRow.append(this._completions);
    this.outputField = textField('gt-output', 'runs/my-dataset');
    this.outputRow = field(
      schema.output?.title ?? 'Output folder',
      `${schema.output?.description ?? ''} A folder with an earlier job is resumed.`,
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
    for (const [key, spec] of Object.entries(schema)) {
      if (!OWN_ROWS.includes(key)) {
        const option = new OptionField(key, spec, changed);
        this._optionFields.push(option);
        this.optionRows.push(option.row);
      }
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
    for (const option of this._optionFields) {
      option.fill(form);
    }
  }

  /** Enables the options that apply to the form as it is (Ray options with the ray executor). */
  update(form: IGeneratorForm): void {
    for (const option of this._optionFields) {
      option.update(form);
    }
  }

  /** The fields' values over `form` (which may hold keys the fields do not show). */
  read(form: IGeneratorForm): IGeneratorForm {
    const options: Record<string, unknown> = {};
    for (const option of this._optionFields) {
      options[option.key] = option.read(
        (form as unknown as Record<string, unknown>)[option.key]
      );
    }
    const count = Number(this._problemsCount.value);
    const n =
      this._problemsCount.value !== '' && isFinite(count) && count >= 1
        ? Math.floor(count)
        : null;
    const sample = this._problemsMode.value === 'sample';
    return {
      ...form,
      ...(options as Partial<IGeneratorForm>),
      limit: sample ? null : n,
      sample: sample ? n : null,
      input: this.inputField.value.trim(),
      output: this.outputField.value.trim(),
      stages: STAGES.filter(stage => this._stageBoxes.get(stage)!.checked)
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
  private _optionFields: OptionField[] = [];
  private _problemsCount: HTMLInputElement;
  private _problemsMode: HTMLSelectElement;
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
