import { TraceModel } from '../trace/model';
import { CallTreePane } from '../trace/panes/callTree';
import { SourcePane } from '../trace/panes/source';
import { fixtures } from './fixtures';

const { factorial } = fixtures;

function currentLine(pane: SourcePane): string {
  return (
    pane.node.querySelector('.gt-sourceLine.gt-mod-current .gt-lineNumber')
      ?.textContent ?? ''
  );
}

describe('the trace view panes', () => {
  it('a pane follows the model step by itself, from its signal', () => {
    const model = new TraceModel(factorial);
    const pane = new SourcePane(model, { isShowing: () => true });
    pane.render();
    expect(currentLine(pane)).toBe('1');
    model.next();
    expect(currentLine(pane)).toBe('6');
  });

  it('a disposed pane no longer follows the model', () => {
    const model = new TraceModel(factorial);
    const pane = new SourcePane(model, { isShowing: () => true });
    pane.render();
    pane.dispose();
    model.next();
    expect(currentLine(pane)).toBe('1');
  });

  it('the call tree builds its rows only once it is on screen', () => {
    const model = new TraceModel(factorial);
    let showing = false;
    const pane = new CallTreePane(model, { isShowing: () => showing });
    model.next();
    expect(pane.node.querySelectorAll('.gt-callRow')).toHaveLength(0);
    showing = true;
    pane.render();
    expect(
      Array.from(
        pane.node.querySelectorAll('.gt-callLabel'),
        l => l.textContent
      )
    ).toContain('factorial(n=3)');
  });
});
