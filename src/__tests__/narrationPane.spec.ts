import { Widget } from '@lumino/widgets';

import { TraceModel } from '../trace/model';
import { NarrationPane } from '../narration/pane';
import * as client from '../narration/translatorClient';
import { fixtures } from './fixtures';

jest.mock('../narration/translatorClient');
const mocked = client as jest.Mocked<typeof client>;

const { factorial } = fixtures;
const HOSTILE =
  'Start <img src=x onerror="alert(1)"> <script>alert(2)</script>';
const FINAL = `${HOSTILE}\nThe result is 6, then 987654.\nFinal answer: 6`;

function verification() {
  return {
    verdict: 'ungrounded',
    evidence: {
      answer: '6',
      expected: '6',
      answer_matches: true,
      ungrounded: [{ value: '987654', at: FINAL.indexOf('987654') }]
    },
    final: FINAL,
    thinking: 'I think <b>hard</b>',
    thinking_closed: true,
    grounded: [{ value: '6', at: FINAL.indexOf('6') }]
  };
}

function mount(stored: object | null = null): NarrationPane {
  const pane = new NarrationPane({
    model: new TraceModel(factorial),
    record: { document: factorial },
    stored
  });
  Widget.attach(pane, document.body);
  return pane;
}

const flush = () => new Promise(resolve => setTimeout(resolve, 0));

afterEach(() => {
  document.body.textContent = '';
  jest.resetAllMocks();
});

describe('NarrationPane', () => {
  it('shows a stored narration and its verdict as text, values marked and linked to steps', async () => {
    mocked.verifyNarration.mockResolvedValue(verification());
    const pane = mount({
      final: FINAL,
      thinking: 'I think <b>hard</b>',
      verdict: 'ungrounded'
    });
    await flush();
    expect(pane.node.querySelector('img, script, b')).toBeNull();
    expect(pane.node.querySelector('.gt-narrationText')?.textContent).toBe(
      FINAL
    );
    expect(pane.node.querySelector('.gt-verdictChip')?.textContent).toBe(
      'ungrounded'
    );
    const marks = Array.from(
      pane.node.querySelectorAll('.gt-narrationText .gt-mark'),
      mark => [mark.textContent, mark.classList.contains('gt-mod-ungrounded')]
    );
    expect(marks).toEqual([
      ['6', false],
      ['987654', true]
    ]);
    const ungrounded = pane.node.querySelector(
      '.gt-narrationText .gt-mod-ungrounded'
    ) as HTMLElement;
    ungrounded.click();
    expect(String(pane.marks[1].step)).toBe(ungrounded.dataset.step);
  });

  it('streams tokens as they come, then verifies the whole narration', async () => {
    mocked.fetchPrompt.mockResolvedValue({
      messages: [{ role: 'user', content: 'prompt' }],
      prompt_chars: 6
    });
    mocked.verifyNarration.mockResolvedValue(verification());
    const seen: string[] = [];
    let pane: NarrationPane;
    mocked.streamNarration.mockImplementation(async function* () {
      yield { reasoning: 'I think <b>hard</b>' };
      for (const piece of [
        HOSTILE,
        '\nThe result is 6, then 987654.',
        '\nFinal answer: 6'
      ]) {
        yield { content: piece };
        seen.push(pane.node.querySelector('.gt-narrationText')!.textContent!);
      }
      yield { finishReason: 'stop' };
    });
    pane = mount();
    await pane.translate();
    expect(seen[0]).toBe(HOSTILE);
    expect(seen[2]).toBe(FINAL);
    expect(mocked.verifyNarration).toHaveBeenCalledWith(
      { document: factorial },
      { content: FINAL, reasoning: 'I think <b>hard</b>', finishReason: 'stop' }
    );
    expect(pane.verification?.verdict).toBe('ungrounded');
    expect(pane.node.querySelector('img, script, b')).toBeNull();
  });

  it('stops mid-stream and says so, with no verdict', async () => {
    mocked.fetchPrompt.mockResolvedValue({ messages: [], prompt_chars: 0 });
    let pane: NarrationPane;
    mocked.streamNarration.mockImplementation(async function* (options) {
      yield { content: 'Half a' };
      pane.stop();
      if (options.signal?.aborted) {
        return; // as the openai client ends an aborted stream
      }
      yield { content: ' sentence.' };
    });
    pane = mount();
    await pane.translate();
    expect(pane.node.querySelector('.gt-narrationStatus')?.textContent).toBe(
      'Stopped after 6 characters.'
    );
    expect(pane.streaming).toBe(false);
    expect(mocked.verifyNarration).not.toHaveBeenCalled();
    expect((pane.node.querySelector('.gt-stop') as HTMLElement).hidden).toBe(
      true
    );
  });
});
