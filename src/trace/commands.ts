import { CommandRegistry } from '@lumino/commands';

import { STEP_ACTIONS } from './actions';
import { TraceView } from './view';

/** Where the step commands find the view they act on (the focused trace view). */
export interface ICurrentTraceView {
  readonly currentWidget: TraceView | null;
}

/** The step actions as commands on the current trace view (palette, key bindings). */
export function addStepCommands(
  commands: CommandRegistry,
  views: ICurrentTraceView
): void {
  for (const action of STEP_ACTIONS) {
    commands.addCommand(action.id, {
      label: action.label,
      caption: action.caption,
      isEnabled: () => {
        const view = views.currentWidget;
        return !!view && action.canRun(view.model);
      },
      execute: () => {
        const view = views.currentWidget;
        if (view) {
          action.run(view.model);
        }
      }
    });
  }
}
