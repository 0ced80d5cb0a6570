import { InputPreview } from '../generator/preview';
import { Preview } from '../schema/jobs';

/** The kernel's preview reply for a CRUXEval-style file, as jobs_comm.preview_input sends it. */
const reply: Preview = {
  path: 'data/cruxeval_values.jsonl',
  records: [
    {
      line_no: 1,
      id: 'values_int_keys',
      problem_description: 'What does the function `f` return?',
      funcname: 'f',
      n_ios: 1
    }
  ],
  malformed: [],
  input_format: 'cruxeval'
};

describe('InputPreview', () => {
  it('says which input format the kernel detected', async () => {
    const preview = new InputPreview(
      { request: async <T>() => reply as unknown as T },
      () => reply.path
    );
    await preview.load();
    expect(
      preview.node.querySelector('.gt-preview-format')?.textContent
    ).toContain('Detected format: cruxeval');
  });
});
