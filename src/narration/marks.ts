import { TraceModel } from '../trace/model';
import { IStatedValue, IVerification } from './translatorClient';

/** A value stated by a narration, placed in its text and tied to a step of the trace. */
export interface INarrationMark {
  value: string;
  /** [start, end) in the narration's final text. */
  start: number;
  end: number;
  grounded: boolean;
  /**
   * For a grounded value, the step whose snoop text shows it; for an ungrounded one,
   * the step after the last grounded value before it (the narration follows the
   * execution, so that is where the trace would have had to show it).
   */
  step: number;
}

/** The text a stated value has in the trace: a quoted string without its quotes. */
function searchText(value: string): string {
  const quoted = /^(['"])(.*)\1$/s.exec(value);
  return quoted ? quoted[2] : value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The first snoop line at or after `from` that shows `value`, or -1. */
function lineShowing(model: TraceModel, value: string, from: number): number {
  const text = searchText(value);
  const isNumber = /^-?\d/.test(text);
  const pattern = isNumber
    ? new RegExp(`(?<![\\w.])${escapeRegExp(text)}(?![\\w])`)
    : null;
  for (let line = from; line < model.lines.length; line++) {
    // Not the line numbers snoop prints before the code ("   6 | …").
    const content = model.lines[line].replace(/^\s*\d+ \|/, '');
    if (content.includes(text) && (!pattern || pattern.test(content))) {
      return line;
    }
  }
  return -1;
}

/**
 * Marks of a verified narration, in the narration's order: grounded values found in
 * the snoop text going forwards, ungrounded ones placed after the last grounded one.
 */
export function narrationMarks(
  model: TraceModel | null,
  verification: Pick<IVerification, 'grounded' | 'evidence'>
): INarrationMark[] {
  const stated: (IStatedValue & { grounded: boolean })[] = [
    ...(verification.grounded ?? []).map(v => ({ ...v, grounded: true })),
    ...(verification.evidence.ungrounded ?? []).map(v => ({
      ...v,
      grounded: false
    }))
  ].sort((a, b) => a.at - b.at);
  let cursor = 0;
  let anchorStep = -1;
  return stated.map(({ value, at, grounded }) => {
    const length =
      searchText(value).length + (value !== searchText(value) ? 2 : 0);
    let step = Math.max(0, anchorStep);
    if (model && grounded) {
      const line = lineShowing(model, value, cursor) ?? -1;
      const found = line >= 0 ? line : lineShowing(model, value, 0);
      if (found >= 0) {
        if (line >= 0) {
          cursor = line;
        }
        step = model.stepForTextLine(found);
        anchorStep = Math.max(anchorStep, step);
      }
    } else if (model) {
      step = Math.min(anchorStep + 1, model.stepCount - 1);
    }
    return { value, start: at, end: at + length, grounded, step };
  });
}
