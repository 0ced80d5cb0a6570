import { showErrorMessage } from '@jupyterlab/apputils';
import { CodeCell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { OutputArea } from '@jupyterlab/outputarea';
import { KernelMessage } from '@jupyterlab/services';

import { showHelperFailure } from '../common/helperDialog';
import { loadHelper, tracedCode } from '../common/kernelHelper';

/**
 * Runs the notebook's active code cell under the tracer, in the notebook's own
 * kernel; the trace lands in the cell's outputs and the cell source is unchanged.
 */
export async function traceActiveCell(
  panel: NotebookPanel
): Promise<KernelMessage.IExecuteReplyMsg | undefined> {
  const cell = panel.content.activeCell;
  if (!(cell instanceof CodeCell)) {
    await showErrorMessage('Trace Cell', 'Select a code cell to trace.');
    return;
  }
  const source = cell.model.sharedModel.getSource();
  if (!source.trim()) {
    return;
  }
  const sessionContext = panel.sessionContext;
  await sessionContext.ready;
  const kernel = sessionContext.session?.kernel;
  if (!kernel) {
    await showErrorMessage(
      'Trace Cell',
      'This notebook has no running kernel: select a Python kernel first.'
    );
    return;
  }
  const status = await loadHelper(kernel);
  if (!status.ok) {
    await showHelperFailure(status);
    return;
  }
  return executeInCell(cell, tracedCode(source), panel);
}

/** What CodeCell.execute does, but with `code` instead of the cell's source. */
async function executeInCell(
  cell: CodeCell,
  code: string,
  panel: NotebookPanel
): Promise<KernelMessage.IExecuteReplyMsg | undefined> {
  const model = cell.model;
  model.sharedModel.transact(() => {
    model.clearExecution();
    cell.outputHidden = false;
  }, false);
  model.executionState = 'running';
  model.trusted = true;
  try {
    const reply = await OutputArea.execute(
      code,
      cell.outputArea,
      panel.sessionContext,
      { cellId: model.sharedModel.getId() }
    );
    if (reply) {
      model.executionCount = reply.content.execution_count;
    }
    return reply;
  } finally {
    if (!cell.isDisposed) {
      model.executionState = 'idle';
    }
  }
}
