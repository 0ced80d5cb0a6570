import { caretDownIcon, caretRightIcon } from '@jupyterlab/ui-components';

import { element } from '../../common/dom';
import { frameName } from '../describe';
import { ICallNode, ICallRow, TraceModel } from '../model';
import { IPaneOptions, ListPane } from './pane';

/**
 * The call tree: one row per call (a click goes to its first step), calls with calls
 * inside collapse, the current call is marked and followed. WAI-ARIA's tree keys move
 * between calls while one is focused.
 */
export class CallTreePane extends ListPane {
  constructor(model: TraceModel, options: IPaneOptions) {
    super(model, 'gt-callsPane', 'gt-callTree', options);
    this.node.append(element('div', 'gt-paneTitle', 'Calls'));
    this.list.node.setAttribute('role', 'tree');
    this.list.node.setAttribute('aria-label', 'Call tree');
    this.list.node.addEventListener('keydown', event => this._onKeydown(event));
    this.node.append(this.list.node);
  }

  /** Only while shown: a long trace's tree is built when first looked at. */
  render(): void {
    if (this.isShowing) {
      this._update();
    }
  }

  /** Builds the rows if needed, then marks and follows the current call. */
  private _update(): void {
    if (!this._rows) {
      this._rows = this.model.callRows(this._collapsed);
      this._rowIndex = new Map(
        this._rows.map((row, index) => [row.node, index])
      );
      this.list.setCount(this._rows.length);
    }
    const current = this.model.callAt();
    if (current !== this._currentCall) {
      this._currentCall = current;
      this.list.refresh();
      const index = current ? (this._rowIndex.get(current) ?? -1) : -1;
      if (index >= 0) {
        this.list.scrollToIndex(index);
      }
    }
  }

  protected renderRow(index: number): HTMLElement {
    const row = this._rows![index];
    const node = element('div', 'gt-callRow');
    node.setAttribute('role', 'treeitem');
    node.style.paddingLeft = `${row.level * 14 + 4}px`;
    if (row.node.children.length > 0) {
      node.setAttribute('aria-expanded', String(!row.collapsed));
      const toggle = element('button', 'gt-callToggle');
      toggle.type = 'button';
      toggle.title = row.collapsed ? 'Expand' : 'Collapse';
      toggle.setAttribute(
        'aria-label',
        `${row.collapsed ? 'Expand' : 'Collapse'} (${row.node.children.length} calls inside)`
      );
      (row.collapsed ? caretRightIcon : caretDownIcon).element({
        container: toggle,
        elementSize: 'small'
      });
      toggle.addEventListener('click', () =>
        this._setCollapsed(row.node, !row.collapsed)
      );
      node.append(toggle);
    } else {
      node.append(element('span', 'gt-callToggle gt-mod-leaf'));
    }
    const event = this.model.callEvent(row.node);
    const args = event.changes.map(([n, v]) => `${n}=${v}`).join(', ');
    const label = element(
      'button',
      'gt-callLabel',
      frameName(event) === event.function
        ? `${frameName(event)}(${args})`
        : frameName(event)
    );
    label.type = 'button';
    label.title = `Go to step ${row.node.firstStep + 1}`;
    label.addEventListener('click', () => this.model.goTo(row.node.firstStep));
    node.append(
      label,
      element(
        'span',
        'gt-callSteps',
        `${row.node.firstStep + 1}–${row.node.lastStep + 1}`
      )
    );
    return node;
  }

  protected decorateRow(row: HTMLElement, index: number): void {
    const node = this._rows?.[index]?.node;
    row.classList.toggle(
      'gt-mod-current',
      !!node && node === this._currentCall
    );
  }

  private _setCollapsed(node: ICallNode, collapsed: boolean): void {
    if (collapsed) {
      this._collapsed.add(node.frame);
    } else {
      this._collapsed.delete(node.frame);
    }
    this._rows = null;
    this._currentCall = undefined;
    this._update();
  }

  /**
   * The tree keys of WAI-ARIA's tree pattern while a call is focused: Up/Down move between
   * calls, Right expands (or goes to the first inner call), Left collapses (or goes to the
   * caller), Home/End go to the first/last call. Enter and Space are the buttons' own.
   * Handled here, they do not reach the view, where the arrows step through the trace.
   */
  private _onKeydown(event: KeyboardEvent): void {
    const rows = this._rows;
    const rowNode = (event.target as HTMLElement).closest<HTMLElement>(
      '.gt-callRow'
    );
    if (!rows || !rowNode || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    const index = Number(rowNode.dataset.index);
    const row = rows[index];
    const hasChildren = row.node.children.length > 0;
    let target: number | null = null;
    switch (event.key) {
      case 'ArrowDown':
        target = Math.min(index + 1, rows.length - 1);
        break;
      case 'ArrowUp':
        target = Math.max(index - 1, 0);
        break;
      case 'Home':
        target = 0;
        break;
      case 'End':
        target = rows.length - 1;
        break;
      case 'ArrowRight':
        if (hasChildren && row.collapsed) {
          this._setCollapsed(row.node, false);
          target = this._rowIndex.get(row.node) ?? index;
        } else {
          target = hasChildren ? index + 1 : index;
        }
        break;
      case 'ArrowLeft':
        if (hasChildren && !row.collapsed) {
          this._setCollapsed(row.node, true);
          target = this._rowIndex.get(row.node) ?? index;
        } else {
          target = index;
          while (target > 0 && rows[target].level >= row.level) {
            target--;
          }
          if (rows[target].level >= row.level) {
            target = index; // an outermost call has no caller row
          }
        }
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation();
    this._focusRow(target);
  }

  private _focusRow(index: number): void {
    this.list.scrollToIndex(index);
    this.list.rows
      .get(index)
      ?.querySelector<HTMLElement>('.gt-callLabel')
      ?.focus();
  }

  private _rows: ICallRow[] | null = null;
  private _rowIndex = new Map<ICallNode, number>();
  /** Frames of the calls the user collapsed. */
  private _collapsed = new Set<number>();
  private _currentCall: ICallNode | null | undefined = undefined;
}
