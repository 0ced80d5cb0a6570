import { Contents } from '@jupyterlab/services';

import settings from '../../schema/generator.json';
import {
  FormFields,
  IGeneratorForm,
  jobOptions,
  OptionSchemas,
  problemCount
} from '../generator/form';

const SCHEMA = settings.properties as unknown as OptionSchemas;

/** The form as the plugin builds it: the settings schema's defaults. */
function defaults(): IGeneratorForm {
  const form: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(settings.properties)) {
    form[key] = (spec as { default?: unknown }).default;
  }
  return { ...(form as unknown as IGeneratorForm), input: 'in.jsonl' };
}

/** The form's fields over the settings schema, filled with `form`. */
function fields(form: IGeneratorForm): {
  fields: FormFields;
  node: HTMLElement;
  control: (key: string) => HTMLInputElement & HTMLSelectElement;
} {
  const made = new FormFields({
    schema: SCHEMA,
    // completions are not asked for here
    contents: {} as Contents.IManager,
    changed: () => undefined,
    inputChosen: () => undefined,
    outputChosen: () => undefined
  });
  const node = document.createElement('div');
  node.append(made.inputRow, made.problemsRow, ...made.optionRows);
  made.fill(form);
  return {
    fields: made,
    node,
    control: key =>
      node.querySelector(`[data-option="${key}"]`) as HTMLInputElement &
        HTMLSelectElement
  };
}

/** Sets a control's value as the user would, and tells the form. */
function change(control: HTMLInputElement | HTMLSelectElement, value: string) {
  control.value = value;
  control.dispatchEvent(new Event('change'));
}

describe('the generator form', () => {
  it('sends the first N as limit and a seeded sample of N as sample, never both', () => {
    const limited = jobOptions({ ...defaults(), limit: 12, sample: null });
    expect(limited.limit).toBe(12);
    expect(limited.sample).toBeUndefined();
    const sampled = jobOptions({ ...defaults(), limit: null, sample: 7 });
    expect(sampled.sample).toBe(7);
    expect(sampled.limit).toBeUndefined();
    const all = jobOptions(defaults());
    expect(all.limit).toBeUndefined();
    expect(all.sample).toBeUndefined();
    expect(problemCount({ ...defaults(), sample: 7 })).toBe(7);
    expect(problemCount(defaults())).toBeNull();
  });

  it('leaves workers out for one per CPU and takes the stages in run order', () => {
    const options = jobOptions({
      ...defaults(),
      stages: ['build', 'trace', 'filter']
    });
    expect(options.workers).toBeUndefined();
    expect(options.stages).toEqual(['filter', 'trace', 'build']);
    expect(jobOptions({ ...defaults(), workers: 3 }).workers).toBe(3);
  });

  it('sends the translator options only with translate, and max tokens only when set', () => {
    const translating = {
      ...defaults(),
      stages: [
        'filter',
        'trace',
        'select',
        'translate'
      ] as IGeneratorForm['stages']
    };
    expect(jobOptions(translating).max_tokens).toBeUndefined(); // the paper's
    expect(jobOptions({ ...translating, maxTokens: 512 })).toMatchObject({
      translator_url: translating.translatorUrl.trim(),
      max_tokens: 512
    });
    const tracing = jobOptions({
      ...translating,
      stages: ['filter', 'trace'],
      maxTokens: 512
    });
    expect(tracing.max_tokens).toBeUndefined();
    expect(tracing.translator_url).toBeUndefined();
  });

  it('sends the Ray options only with the ray executor, and the trace format always', () => {
    const local = jobOptions({
      ...defaults(),
      rayAddress: '10.0.0.5:6379',
      rayCpusPerActor: 2
    });
    expect(local.executor).toBeUndefined();
    expect(local.ray_address).toBeUndefined();
    expect(local.ray_cpus_per_actor).toBeUndefined();
    expect(local.trace_format).toBe(settings.properties.traceFormat.default);
    const ray = jobOptions({
      ...defaults(),
      executor: 'ray',
      rayAddress: ' 10.0.0.5:6379 ',
      rayCpusPerActor: 2,
      traceFormat: 'compact'
    });
    expect(ray).toMatchObject({
      executor: 'ray',
      ray_address: '10.0.0.5:6379',
      ray_cpus_per_actor: 2,
      trace_format: 'compact'
    });
    // an empty address is Ray's "auto": not sent
    expect(
      jobOptions({ ...defaults(), executor: 'ray', rayAddress: null })
    ).not.toHaveProperty('ray_address');
  });
});

describe('the form fields, made from the settings schema', () => {
  it('has one row per option with the schema title and description, none restated', () => {
    const { node, control } = fields(defaults());
    for (const key of [
      'pairsPerProblem',
      'tracesPerProblem',
      'maxTraceLines',
      'traceFormat',
      'timeout',
      'workers',
      'executor',
      'rayAddress',
      'rayCpusPerActor',
      'translatorUrl',
      'model',
      'maxTokens'
    ]) {
      const spec = (
        SCHEMA as Record<string, { title: string; description: string }>
      )[key];
      const row = node.querySelector(`.gt-field[data-option-row="${key}"]`)!;
      expect(row).not.toBeNull();
      expect(row.querySelector('label')!.textContent).toBe(spec.title);
      expect(row.querySelector('.gt-help')!.textContent).toBe(spec.description);
      expect(row.querySelector('label')!.htmlFor).toBe(control(key).id);
    }
  });

  it('shows the enums as selects of the schema values, filled with the defaults', () => {
    const { control } = fields(defaults());
    const values = (key: string) =>
      Array.from(control(key).options).map(option => option.value);
    expect(control('traceFormat').tagName).toBe('SELECT');
    expect(values('traceFormat')).toEqual(settings.properties.traceFormat.enum);
    expect(values('executor')).toEqual(settings.properties.executor.enum);
    expect(control('traceFormat').value).toBe('snoop');
    expect(control('executor').value).toBe('local');
  });

  it('reads back exactly the defaults it was filled with', () => {
    const { fields: made } = fields(defaults());
    expect(made.read(defaults())).toEqual(defaults());
  });

  it('enables Ray address and CPUs per actor only with the ray executor', () => {
    const { fields: made, control } = fields(defaults());
    expect(control('rayAddress').disabled).toBe(true);
    expect(control('rayCpusPerActor').disabled).toBe(true);
    expect(control('rayAddress').placeholder).toBe('auto');
    change(control('executor'), 'ray');
    const form = made.read(defaults());
    made.update(form);
    expect(form.executor).toBe('ray');
    expect(control('rayAddress').disabled).toBe(false);
    expect(control('rayCpusPerActor').disabled).toBe(false);
    change(control('rayAddress'), '127.0.0.1:8923');
    change(control('traceFormat'), 'compact');
    expect(jobOptions(made.read(form))).toMatchObject({
      executor: 'ray',
      ray_address: '127.0.0.1:8923',
      trace_format: 'compact'
    });
  });

  it('takes empty nullable numbers as null and keeps a value the schema refuses', () => {
    const { fields: made, control } = fields({ ...defaults(), workers: 3 });
    change(control('workers'), '');
    change(control('timeout'), '0'); // exclusiveMinimum 0
    change(control('pairsPerProblem'), '2.5'); // an integer option
    change(control('rayCpusPerActor'), '2');
    const form = made.read({ ...defaults(), workers: 3 });
    expect(form.workers).toBeNull();
    expect(form.timeout).toBe(settings.properties.timeout.default);
    expect(form.pairsPerProblem).toBe(
      settings.properties.pairsPerProblem.default
    );
    expect(form.rayCpusPerActor).toBe(2);
    change(control('model'), '');
    expect(made.read(form).model).toBe('');
  });
});
