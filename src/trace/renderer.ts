import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { PanelLayout, Widget } from '@lumino/widgets';

import { TraceModel } from './model';
import { isTraceDocument } from '../schema/guards';
import { TraceView } from './view';
import { viewerHook } from './viewerHook';

/** Renders one output's trace document as a TraceView. */
export class TraceRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this._mimeType = options.mimeType;
    this.layout = new PanelLayout();
    this.addClass('gt-TraceRenderer');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const layout = this.layout as PanelLayout;
    layout.widgets.forEach(widget => widget.dispose());
    const doc = model.data[this._mimeType] as unknown;
    if (!isTraceDocument(doc)) {
      const message = new Widget();
      message.addClass('gt-error');
      message.node.textContent =
        'This output holds a groundtrace trace of an unsupported version.';
      layout.addWidget(message);
      return;
    }
    const open = viewerHook.open;
    layout.addWidget(
      new TraceView(new TraceModel(doc), {
        onOpen: open ? () => open(doc) : undefined
      })
    );
  }

  private _mimeType: string;
}
