import { Clipboard, Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { element } from './dom';
import { HelperStatus } from './kernelHelper';

type HelperFailure = Extract<HelperStatus, { ok: false }>;

/** Tells the user why the kernel helper did not load and how to install it. */
export async function showHelperFailure(status: HelperFailure): Promise<void> {
  const body = new Widget();
  body.addClass('gt-HelperDialog');
  if (status.missing) {
    body.node.append(
      element(
        'p',
        '',
        "This notebook's kernel cannot import groundtrace, so Trace Cell cannot run. Install it into the kernel's Python:"
      ),
      element('pre', 'gt-installCommand', status.installCommand),
      element(
        'p',
        '',
        'From a clone of the groundtrace repository, install that folder instead (pip install /path/to/groundtrace), then restart the kernel.'
      )
    );
  } else {
    body.node.append(
      element('p', '', 'The kernel could not load the groundtrace helper.')
    );
  }
  body.node.append(element('p', 'gt-kernelError', status.error));
  const result = await showDialog({
    title: status.missing
      ? 'groundtrace is not installed in this kernel'
      : 'groundtrace could not start',
    body,
    buttons: status.missing
      ? [
          Dialog.cancelButton({ label: 'Close' }),
          Dialog.okButton({ label: 'Copy install command' })
        ]
      : [Dialog.okButton({ label: 'Close' })]
  });
  if (status.missing && result.button.accept) {
    Clipboard.copyToSystem(status.installCommand);
  }
}
