import settings from '../../schema/generator.json';
import { IGeneratorForm, jobOptions, problemCount } from '../generator/form';

/** The form as the plugin builds it: the settings schema's defaults. */
function defaults(): IGeneratorForm {
  const form: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(settings.properties)) {
    form[key] = (spec as { default?: unknown }).default;
  }
  return { ...(form as unknown as IGeneratorForm), input: 'in.jsonl' };
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
});
