import { element } from '../../common/dom';
import { frameName } from '../describe';
import { IVariable, TraceModel } from '../model';
import { IPaneOptions, TracePane } from './pane';
import { CallStack } from './stack';

export interface IVariablesPaneOptions extends IPaneOptions {
  /** Values longer than this many characters are folded. */
  foldAt: number;
}

/**
 * The current frame's variables (those changed at this step marked; long values folded
 * until asked for) and, under them, the call stack.
 */
export class VariablesPane extends TracePane {
  constructor(model: TraceModel, options: IVariablesPaneOptions) {
    super(model, 'gt-variablesPane', options);
    this._foldAt = options.foldAt;
    this._title = element('div', 'gt-paneTitle', 'Variables');
    this._variables = element('div', 'gt-variables');
    this._stack = new CallStack(model);
    this.node.append(this._title, this._variables, this._stack.node);
  }

  render(): void {
    this._renderVariables();
    this._stack.render();
  }

  private _renderVariables(): void {
    const event = this.model.event;
    this._title.textContent = event
      ? `Variables of ${frameName(event)}`
      : 'Variables';
    this._variables.textContent = '';
    const variables = this.model.variables();
    if (variables.length === 0) {
      this._variables.appendChild(
        element('div', 'gt-empty', 'No variables yet.')
      );
    }
    for (const variable of variables) {
      this._variables.appendChild(this._variableRow(variable));
    }
  }

  private _variableRow(variable: IVariable): HTMLElement {
    const row = element('div', 'gt-variable');
    row.classList.toggle('gt-mod-changed', variable.changed);
    row.dataset.name = variable.name;
    const long = variable.value.length > this._foldAt;
    const folded = long && !this._unfolded.has(variable.name);
    const value = element(
      'span',
      'gt-variableValue',
      folded ? `${variable.value.slice(0, this._foldAt)}…` : variable.value
    );
    row.append(element('span', 'gt-variableName', variable.name), value);
    if (long) {
      const toggle = element(
        'button',
        'gt-fold',
        folded ? `show all ${variable.value.length} characters` : 'fold'
      );
      toggle.type = 'button';
      toggle.setAttribute('aria-expanded', String(!folded));
      toggle.addEventListener('click', () => {
        if (folded) {
          this._unfolded.add(variable.name);
        } else {
          this._unfolded.delete(variable.name);
        }
        this._renderVariables();
      });
      row.classList.add('gt-mod-long');
      row.append(toggle);
    }
    return row;
  }

  private _foldAt: number;
  /** Names whose long values the user opened. */
  private _unfolded = new Set<string>();
  private _title: HTMLElement;
  private _variables: HTMLElement;
  private _stack: CallStack;
}
