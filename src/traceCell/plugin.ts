import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';

import { CommandIDs } from '../tokens';
import { traceIcon } from '../common/icons';
import { traceActiveCell } from './command';

/**
 * The Trace Cell command. Its toolbar button, context-menu entry and shortcut
 * are declared in schema/trace-cell.json.
 */
export const traceCellPlugin: JupyterFrontEndPlugin<void> = {
  id: 'groundtrace:trace-cell',
  description: 'Runs a notebook cell under the tracer and shows its trace.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null
  ) => {
    app.commands.addCommand(CommandIDs.traceCell, {
      label: 'Trace Cell',
      caption: 'Run the selected cell and show its execution step by step',
      icon: args => (args['toolbar'] ? traceIcon : undefined),
      isEnabled: () => tracker.activeCell?.model.type === 'code',
      execute: async () => {
        const panel = tracker.currentWidget;
        if (panel) {
          await traceActiveCell(panel);
        }
      }
    });
    palette?.addItem({
      command: CommandIDs.traceCell,
      category: 'groundtrace'
    });
    // The toolbar button asks isEnabled only when told the command changed: without this
    // it showed the enabled state of the cell that was active before (greyed on a code cell).
    const changed = () =>
      app.commands.notifyCommandChanged(CommandIDs.traceCell);
    tracker.activeCellChanged.connect(changed);
    tracker.currentChanged.connect(changed);
  }
};
