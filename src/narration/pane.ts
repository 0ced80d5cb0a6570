import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';

import { element } from '../common/dom';
import { TraceModel } from '../trace/model';
import { INarrationMark, narrationMarks } from './marks';
import {
  fetchPrompt,
  ISampling,
  IVerification,
  streamNarration,
  verifyNarration
} from './translatorClient';

/** A narration the viewer opened with (a translated.jsonl record's fields). */
export interface IStoredNarration {
  final?: string | null;
  thinking?: string | null;
  verdict?: string | null;
  evidence?: IVerification['evidence'] | null;
  status?: string;
  skip_reason?: string;
}

export interface INarrationPaneOptions {
  model: TraceModel | null;
  /** What the Python side needs to prompt and verify: a trace record or {document}. */
  record: Record<string, unknown>;
  stored?: IStoredNarration | null;
  translator?: () => { model?: string; sampling?: ISampling };
  markdown?: IRenderMimeRegistry | null;
}

/**
 * The narration of a trace: one stored with a dataset item, or one streamed now by
 * Translate (Stop cancels it), then its verdict from verify.py with each stated value
 * marked and linked to its step. All of it is text; Markdown goes through JupyterLab's
 * sanitizing renderer.
 */
export class NarrationPane extends Widget {
  constructor(private readonly _options: INarrationPaneOptions) {
    super();
    this.addClass('gt-NarrationPane');
    const header = element('div', 'gt-narrationHeader');
    header.append(element('h3', 'gt-block-title', 'Narration'));
    this._translate = element(
      'button',
      'gt-button jp-Button gt-translate',
      'Translate'
    );
    this._translate.type = 'button';
    this._translate.title =
      'Stream a narration of this trace from the configured translator';
    this._translate.addEventListener('click', () => void this.translate());
    this._stop = element('button', 'gt-button jp-Button gt-stop', 'Stop');
    this._stop.type = 'button';
    this._stop.title = 'Cancel the narration (Escape)';
    this._stop.hidden = true;
    this._stop.addEventListener('click', () => this.stop());
    this._asMarkdown = element(
      'button',
      'gt-button jp-Button gt-asMarkdown',
      'Show as Markdown'
    );
    this._asMarkdown.type = 'button';
    this._asMarkdown.hidden = true;
    this._asMarkdown.addEventListener(
      'click',
      () => void this._toggleMarkdown()
    );
    this._status = element('span', 'gt-narrationStatus');
    this._status.setAttribute('aria-live', 'polite');
    header.append(this._translate, this._stop, this._asMarkdown, this._status);

    this._thinkingBox = element('details', 'gt-thinking');
    this._thinkingBox.append(element('summary', '', 'Thinking'));
    this._thinking = element('div', 'gt-thinkingText');
    this._thinkingBox.append(this._thinking);
    this._thinkingBox.hidden = true;
    this._text = element('div', 'gt-narrationText');
    this._text.setAttribute('aria-label', 'Narration');
    this._rendered = element('div', 'gt-narrationMarkdown');
    this._rendered.hidden = true;
    this._verdict = element('div', 'gt-verdict');
    this._verdict.setAttribute('aria-live', 'polite');
    this.node.append(
      header,
      this._verdict,
      this._thinkingBox,
      this._text,
      this._rendered
    );

    // Escape stops a narration being streamed, wherever the focus is in the pane.
    this.node.addEventListener('keydown', event => {
      if (event.key === 'Escape' && this._controller) {
        this.stop();
        event.stopPropagation();
      }
    });

    const stored = _options.stored;
    if (stored && stored.status && stored.status !== 'ok') {
      this._status.textContent = `${stored.status}: ${stored.skip_reason ?? ''}`;
    } else if (stored?.final) {
      this._showText(stored.final, stored.thinking ?? null);
      if (stored.verdict) {
        this._showVerdict({
          verdict: stored.verdict,
          evidence: stored.evidence ?? {},
          final: stored.final,
          thinking: stored.thinking ?? null,
          thinking_closed: true,
          grounded: []
        });
      }
      // Re-verified through verify.py for the grounded values that place the marks.
      void this._verify(stored.final, stored.thinking ?? null, null, true);
    } else {
      this._text.append(
        element(
          'div',
          'gt-note',
          'No narration yet: press Translate to stream one.'
        )
      );
    }
  }

  /** The verification shown, if any. */
  get verification(): IVerification | null {
    return this._verification;
  }

  get marks(): INarrationMark[] {
    return this._marks;
  }

  get streaming(): boolean {
    return this._controller !== null;
  }

  /** Streams a new narration; resolves when it ended, failed or was stopped. */
  async translate(): Promise<void> {
    if (this._controller) {
      return;
    }
    const controller = new AbortController();
    this._controller = controller;
    this._setBusy(true, 'Preparing the prompt…');
    this._text.textContent = '';
    this._thinking.textContent = '';
    this._thinkingBox.hidden = true;
    this._verdict.textContent = '';
    this._verification = null;
    this._asMarkdown.hidden = true;
    this._rendered.hidden = true;
    this._text.hidden = false;
    let content = '';
    let reasoning = '';
    let finishReason: string | null = null;
    try {
      const { messages } = await fetchPrompt(this._options.record);
      const translator = this._options.translator?.() ?? {};
      this._status.textContent = 'Streaming…';
      this._text.classList.add('gt-mod-streaming');
      for await (const delta of streamNarration({
        messages,
        model: translator.model,
        sampling: translator.sampling,
        signal: controller.signal
      })) {
        if (delta.reasoning) {
          reasoning += delta.reasoning;
          this._thinkingBox.hidden = false;
          this._thinking.append(delta.reasoning);
        }
        if (delta.content) {
          content += delta.content;
          this._text.append(delta.content);
        }
        finishReason = delta.finishReason ?? finishReason;
      }
    } catch (reason) {
      this._text.classList.remove('gt-mod-streaming');
      if (controller.signal.aborted) {
        this._status.textContent = `Stopped after ${content.length + reasoning.length} characters.`;
      } else {
        this._status.textContent = `Translation failed: ${(reason as Error).message}`;
        this._status.classList.add('gt-mod-error');
      }
      this._setBusy(false);
      return;
    }
    this._text.classList.remove('gt-mod-streaming');
    if (controller.signal.aborted) {
      // The openai client ends an aborted stream quietly.
      this._setBusy(
        false,
        `Stopped after ${content.length + reasoning.length} characters.`
      );
      return;
    }
    this._setBusy(false, 'Verifying…');
    await this._verify(content, reasoning || null, finishReason, false);
  }

  /** Cancels the narration being streamed. */
  stop(): void {
    this._controller?.abort();
  }

  dispose(): void {
    this.stop();
    super.dispose();
  }

  private _setBusy(busy: boolean, status?: string): void {
    if (!busy) {
      this._controller = null;
    }
    this._translate.disabled = busy;
    this._stop.hidden = !busy;
    this._status.classList.remove('gt-mod-error');
    if (status !== undefined) {
      this._status.textContent = status;
    }
    if (busy) {
      this._stop.focus();
    }
  }

  private async _verify(
    content: string,
    reasoning: string | null,
    finishReason: string | null,
    quiet: boolean
  ): Promise<void> {
    try {
      const verification = await verifyNarration(this._options.record, {
        content,
        reasoning,
        finishReason
      });
      if (this.isDisposed) {
        return;
      }
      this._status.textContent = '';
      this._showText(verification.final, verification.thinking);
      this._showVerdict(verification);
    } catch (reason) {
      if (!quiet && !this.isDisposed) {
        this._status.textContent = `Verification failed: ${(reason as Error).message}`;
        this._status.classList.add('gt-mod-error');
      }
    }
  }

  private _showText(final: string, thinking: string | null): void {
    this._final = final;
    this._thinking.textContent = thinking ?? '';
    this._thinkingBox.hidden = !thinking;
    this._text.textContent = final;
    this._rendered.hidden = true;
    this._text.hidden = false;
    this._asMarkdown.textContent = 'Show as Markdown';
    this._asMarkdown.hidden = !this._options.markdown || !final;
  }

  /** The verdict, then the narration again with each stated value marked and linked. */
  private _showVerdict(verification: IVerification): void {
    this._verification = verification;
    const evidence = verification.evidence ?? {};
    this._verdict.textContent = '';
    const chip = element(
      'span',
      'gt-badge gt-verdictChip',
      verification.verdict.replace(/_/g, ' ')
    );
    chip.dataset.kind = verification.verdict === 'pass' ? 'good' : 'bad';
    this._verdict.append(chip);
    if (evidence.answer !== undefined) {
      const matches = evidence.answer_matches;
      this._verdict.append(
        element(
          'span',
          'gt-answer',
          evidence.answer === null
            ? 'No final answer found.'
            : `Answer ${evidence.answer} ${matches ? 'matches' : 'does not match'} the executed ${evidence.expected ?? ''}.`
        )
      );
    }
    this._marks = narrationMarks(this._options.model, verification);
    const ungrounded = this._marks.filter(mark => !mark.grounded);
    if (ungrounded.length > 0) {
      const list = element('div', 'gt-ungroundedList');
      list.append(
        element(
          'span',
          '',
          `${ungrounded.length} value${ungrounded.length > 1 ? 's' : ''} not in the trace: `
        )
      );
      ungrounded.forEach(mark =>
        list.append(this._markButton(mark, mark.value))
      );
      this._verdict.append(list);
    }
    // Marks only apply to the text the verdict is about.
    if (verification.final === this._final) {
      this._text.textContent = '';
      let offset = 0;
      for (const mark of this._marks) {
        if (mark.start < offset || mark.end > this._final.length) {
          continue;
        }
        this._text.append(this._final.slice(offset, mark.start));
        this._text.append(
          this._markButton(mark, this._final.slice(mark.start, mark.end))
        );
        offset = mark.end;
      }
      this._text.append(this._final.slice(offset));
    }
  }

  private _markButton(mark: INarrationMark, text: string): HTMLElement {
    const button = element(
      'button',
      mark.grounded ? 'gt-mark gt-mod-grounded' : 'gt-mark gt-mod-ungrounded',
      text
    );
    button.type = 'button';
    button.dataset.step = String(mark.step);
    button.title = mark.grounded
      ? `In the trace at step ${mark.step + 1}`
      : `Not in the trace; expected around step ${mark.step + 1}`;
    button.addEventListener('click', () =>
      this._options.model?.goTo(mark.step)
    );
    return button;
  }

  private async _toggleMarkdown(): Promise<void> {
    const registry = this._options.markdown;
    if (!registry) {
      return;
    }
    if (!this._rendered.hidden) {
      this._rendered.hidden = true;
      this._text.hidden = false;
      this._asMarkdown.textContent = 'Show as Markdown';
      return;
    }
    const renderer = registry.createRenderer('text/markdown');
    this._rendered.textContent = '';
    // Untrusted: the renderer sanitizes the HTML Markdown may contain.
    const model = registry.createModel({
      data: { 'text/markdown': this._final },
      trusted: false
    });
    await renderer.renderModel(model);
    this._rendered.append(renderer.node);
    this._rendered.hidden = false;
    this._text.hidden = true;
    this._asMarkdown.textContent = 'Show marked text';
  }

  private _translate: HTMLButtonElement;
  private _stop: HTMLButtonElement;
  private _asMarkdown: HTMLButtonElement;
  private _status: HTMLElement;
  private _thinkingBox: HTMLDetailsElement;
  private _thinking: HTMLElement;
  private _text: HTMLElement;
  private _rendered: HTMLElement;
  private _verdict: HTMLElement;
  private _final = '';
  private _marks: INarrationMark[] = [];
  private _verification: IVerification | null = null;
  private _controller: AbortController | null = null;
}
