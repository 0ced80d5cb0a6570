import { element } from '../../common/dom';
import { frameName } from '../describe';
import { TraceModel } from '../model';

/**
 * The call stack at the current step, outermost frame first ("Call stack: the cell:6 ›
 * factorial:4"); a click on a frame goes to the step that shows it. Shown under the
 * variables, only when a call is running.
 */
export class CallStack {
  constructor(readonly model: TraceModel) {
    this.node = element('div', 'gt-stack');
  }

  readonly node: HTMLElement;

  render(): void {
    const stack = this.model.callStack();
    this.node.textContent = '';
    if (stack.length <= 1) {
      return;
    }
    this.node.append(element('span', 'gt-stackLabel', 'Call stack: '));
    stack.forEach((frame, index) => {
      if (index > 0) {
        this.node.append(' › ');
      }
      const link = element(
        'button',
        'gt-stackFrame',
        `${frameName(frame)}:${frame.line}`
      );
      link.type = 'button';
      link.title = `Go to step ${frame.step + 1}, where this frame is`;
      link.addEventListener('click', () => this.model.goTo(frame.step));
      this.node.append(link);
    });
  }
}
