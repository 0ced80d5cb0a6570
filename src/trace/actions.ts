import {
  caretLeftIcon,
  caretRightIcon,
  LabIcon
} from '@jupyterlab/ui-components';

import { TraceModel } from './model';

/**
 * One way of moving through a trace. The table below is the only place an action is
 * spelled: the JupyterLab command (palette, menus), the view's buttons, their titles and
 * the view's aria text come from it; its keys are the command's key bindings
 * (schema/trace-view.json, rebindable in Settings → Keyboard Shortcuts).
 */
export interface IStepAction {
  /** The command id. */
  id: string;
  /** The button's text and the command's label. */
  label: string;
  /** What it does, for titles and the palette. */
  caption: string;
  run: (model: TraceModel) => void;
  /** False when the action cannot move from the current step. */
  canRun: (model: TraceModel) => boolean;
  /** Shown as a button in the view's header (else key and palette only). */
  button?: { className: string; icon?: LabIcon; iconAt?: 'before' | 'after' };
}

const notFirst = (model: TraceModel) => !model.isFirst;
const notLast = (model: TraceModel) => !model.isLast;

export const STEP_ACTIONS: readonly IStepAction[] = [
  {
    id: 'groundtrace:step-first',
    label: 'First',
    caption: 'First step',
    run: model => model.first(),
    canRun: notFirst,
    button: { className: 'gt-first' }
  },
  {
    id: 'groundtrace:step-previous',
    label: 'Previous',
    caption: 'Previous step',
    run: model => model.previous(),
    canRun: notFirst,
    button: { className: 'gt-previous', icon: caretLeftIcon, iconAt: 'before' }
  },
  {
    id: 'groundtrace:step-next',
    label: 'Next',
    caption: 'Next step',
    run: model => model.next(),
    canRun: notLast,
    button: { className: 'gt-next', icon: caretRightIcon, iconAt: 'after' }
  },
  {
    id: 'groundtrace:step-over',
    label: 'Step over',
    caption: 'Skip the calls made here',
    run: model => model.stepOver(),
    canRun: notLast,
    button: { className: 'gt-over' }
  },
  {
    id: 'groundtrace:step-back-over',
    label: 'Step back over',
    caption: 'Back over the calls made before here',
    run: model => model.stepBackOver(),
    canRun: notFirst
  },
  {
    id: 'groundtrace:step-next-call',
    label: 'Next call',
    caption: 'Next call, return or exception',
    run: model => model.nextCall(),
    canRun: notLast,
    button: { className: 'gt-nextCall' }
  },
  {
    id: 'groundtrace:step-previous-call',
    label: 'Previous call',
    caption: 'Previous call, return or exception',
    run: model => model.previousCall(),
    canRun: notFirst
  },
  {
    id: 'groundtrace:step-last',
    label: 'Last',
    caption: 'Last step',
    run: model => model.last(),
    canRun: notLast,
    button: { className: 'gt-last' }
  }
];

/** The keys bound to a command, as the user reads them (e.g. "Shift+→"); none: []. */
export type KeysOf = (command: string) => string[];

/** A title with the action's current keys: "Next step (→)". */
export function actionTitle(action: IStepAction, keysOf: KeysOf): string {
  const keys = keysOf(action.id);
  return keys.length
    ? `${action.caption} (${keys.join(', ')})`
    : action.caption;
}

/** The view's aria text: every action with its keys. */
export function actionsDescription(keysOf: KeysOf): string {
  const parts = STEP_ACTIONS.map(action => ({
    action,
    keys: keysOf(action.id)
  }))
    .filter(({ keys }) => keys.length > 0)
    .map(({ action, keys }) => `${keys.join(' or ')} ${action.label}`);
  return parts.length
    ? `Execution trace. Keys: ${parts.join(', ')}`
    : 'Execution trace';
}
