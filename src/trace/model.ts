import { ISignal, Signal } from '@lumino/signaling';

import {
  EventKind,
  TraceDocument,
  TraceEvent,
  Truncation
} from '../schema/trace';

/** A variable of the current frame as the view shows it. */
export interface IVariable {
  name: string;
  value: string;
  /** True when the variable changed at the current step. */
  changed: boolean;
}

/** One frame of the call stack at a step, outermost first. */
export interface IStackFrame {
  frame: number;
  function: string;
  comprehension?: string;
  source: string;
  line: number;
  /** The step showing the frame where it is at this step (its latest printed event). */
  step: number;
}

/** One call in the call tree: a frame from its call event to its last event. */
export interface ICallNode {
  frame: number;
  /** The call event's index in `doc.events`. */
  event: number;
  /** The steps of the call's first and last printed events. */
  firstStep: number;
  lastStep: number;
  depth: number;
  children: ICallNode[];
}

/** A call-tree row as a flat list shows it (children of collapsed calls left out). */
export interface ICallRow {
  node: ICallNode;
  /** Nesting level in the tree (0 for the outermost calls). */
  level: number;
  collapsed: boolean;
}

/**
 * The state of one trace viewer: a trace document and a current step.
 *
 * A step is a position in `steps`, the events that printed snoop text (the
 * others, such as a comprehension's silent loop lines, show nothing new).
 * Every view is a function of (document, step); navigation only changes the step.
 */
export class TraceModel {
  constructor(readonly doc: TraceDocument) {
    this.lines = doc.text.split('\n');
    const printed = doc.events
      .map((event, index) => (event.text_end > event.text_start ? index : -1))
      .filter(index => index >= 0);
    this.steps =
      printed.length > 0 ? printed : doc.events.map((_, index) => index);
    this._stepTextStarts = this.steps.map(
      index => doc.events[index].text_start
    );
    doc.events.forEach((event, index) => {
      const indices = this._frameEvents.get(event.frame) ?? [];
      indices.push(index);
      this._frameEvents.set(event.frame, indices);
      if (event.kind === 'call' && event.parent_frame !== undefined) {
        this._parents.set(event.frame, event.parent_frame);
      }
    });
  }

  /** The snoop text split into lines; events' text ranges index into it. */
  readonly lines: string[];

  /** Indices into `doc.events` of the events a user steps through. */
  readonly steps: number[];

  /** Emitted whenever the current step changes. */
  get stateChanged(): ISignal<this, void> {
    return this._stateChanged;
  }

  get step(): number {
    return this._step;
  }

  get stepCount(): number {
    return this.steps.length;
  }

  /** The index in `doc.events` of the current event, or -1 for an empty trace. */
  get eventIndex(): number {
    return this.steps.length > 0 ? this.steps[this._step] : -1;
  }

  get event(): TraceEvent | null {
    return this.doc.events[this.eventIndex] ?? null;
  }

  get truncation(): Truncation | null {
    return this.doc.truncated ?? null;
  }

  get isFirst(): boolean {
    return this._step === 0;
  }

  get isLast(): boolean {
    return this._step >= this.steps.length - 1;
  }

  /** Moves to a step (clamped to the trace); returns whether it moved. */
  goTo(step: number): boolean {
    const clamped = Math.max(0, Math.min(step, this.steps.length - 1));
    if (clamped === this._step || this.steps.length === 0) {
      return false;
    }
    this._step = clamped;
    this._stateChanged.emit();
    return true;
  }

  next(): boolean {
    return this.goTo(this._step + 1);
  }

  previous(): boolean {
    return this.goTo(this._step - 1);
  }

  first(): boolean {
    return this.goTo(0);
  }

  last(): boolean {
    return this.goTo(this.steps.length - 1);
  }

  /**
   * Goes to the next step of the current frame or of a frame that encloses it,
   * skipping everything that happens inside calls made from this step.
   */
  stepOver(): boolean {
    const current = this.event;
    if (!current) {
      return false;
    }
    const target = this._findStep(this._step + 1, 1, event => {
      return event.frame === current.frame || event.depth < current.depth;
    });
    return this.goTo(target ?? this.steps.length - 1);
  }

  /** Goes to the next step whose event is one of `kinds`; false if none. */
  nextOfKind(...kinds: EventKind[]): boolean {
    const target = this._findStep(this._step + 1, 1, event =>
      kinds.includes(event.kind)
    );
    return target === null ? false : this.goTo(target);
  }

  /** Goes to the previous step whose event is one of `kinds`; false if none. */
  previousOfKind(...kinds: EventKind[]): boolean {
    const target = this._findStep(this._step - 1, -1, event =>
      kinds.includes(event.kind)
    );
    return target === null ? false : this.goTo(target);
  }

  /** The snoop-text line range [start, end) of a step (default: the current one). */
  textRange(step = this._step): [number, number] {
    const event = this.doc.events[this.steps[step]];
    return event ? [event.text_start, event.text_end] : [0, 0];
  }

  /**
   * The step that printed a snoop-text line: the last step starting at or
   * before it, so lines between events map to the event before them.
   */
  stepForTextLine(line: number): number {
    return Math.max(0, lastAtOrBefore(this._stepTextStarts, line));
  }

  /** The step that shows a given event (the nearest earlier printed step). */
  stepForEvent(eventIndex: number): number {
    return Math.max(0, lastAtOrBefore(this.steps, eventIndex));
  }

  /**
   * The current frame's variables at a step: each frame's `changes` accumulated
   * from its call up to that step, those changed at the step marked.
   */
  variables(step = this._step): IVariable[] {
    const eventIndex = this.steps[step];
    const event = this.doc.events[eventIndex];
    if (!event) {
      return [];
    }
    const values = this._valuesAt(event.frame, eventIndex);
    const changedNow = new Set(this._changesSincePreviousStep(step));
    return Array.from(values, ([name, value]) => ({
      name,
      value,
      changed: changedNow.has(name)
    }));
  }

  /** The call stack at a step, outermost frame first, each at its latest line. */
  callStack(step = this._step): IStackFrame[] {
    const eventIndex = this.steps[step];
    const event = this.doc.events[eventIndex];
    if (!event) {
      return [];
    }
    const stack: IStackFrame[] = [];
    let frame: number | null | undefined = event.frame;
    while (frame !== null && frame !== undefined) {
      const indices = this._frameEvents.get(frame) ?? [];
      const at = lastAtOrBefore(indices, eventIndex);
      if (at >= 0) {
        const latest = this.doc.events[indices[at]];
        stack.unshift({
          frame,
          function: latest.function,
          comprehension: latest.comprehension,
          source: latest.source,
          line: latest.line,
          step: this.stepForEvent(indices[at])
        });
      }
      frame = this._parents.get(frame);
    }
    return stack;
  }

  /**
   * Goes back to the previous step of the current frame or of a frame that
   * encloses it: Shift+← undoes a step over.
   */
  stepBackOver(): boolean {
    const current = this.event;
    if (!current) {
      return false;
    }
    const target = this._findStep(this._step - 1, -1, event => {
      return event.frame === current.frame || event.depth < current.depth;
    });
    return this.goTo(target ?? 0);
  }

  /** Next call, return or exception (the `n` key). */
  nextCall(): boolean {
    return this.nextOfKind('call', 'return', 'exception');
  }

  /** Previous call, return or exception (the `p` key). */
  previousCall(): boolean {
    return this.previousOfKind('call', 'return', 'exception');
  }

  /**
   * How often each line of a source ran (its `line` and `call` events, silent ones
   * included): index = line number - 1. Lines never run have 0.
   */
  hitCounts(source: string): number[] {
    let counts = this._hitCounts.get(source);
    if (!counts) {
      const text = this.doc.sources[source] ?? '';
      counts = new Array(text.replace(/\n$/, '').split('\n').length).fill(0);
      for (const event of this.doc.events) {
        // A call prints its def line: the def line ran once per call.
        if (
          (event.kind === 'line' || event.kind === 'call') &&
          event.source === source &&
          event.line > 0
        ) {
          counts[event.line - 1] = (counts[event.line - 1] ?? 0) + 1;
        }
      }
      this._hitCounts.set(source, counts);
    }
    return counts;
  }

  /** The outermost calls of the trace, each with its nested calls. */
  get callTree(): ICallNode[] {
    if (!this._callTree) {
      this._callTree = this._buildCallTree();
    }
    return this._callTree;
  }

  /** The call tree as rows, skipping the children of calls in `collapsed` (frame ids). */
  callRows(collapsed: ReadonlySet<number>): ICallRow[] {
    const rows: ICallRow[] = [];
    const visit = (nodes: ICallNode[], level: number) => {
      for (const node of nodes) {
        const isCollapsed = collapsed.has(node.frame);
        rows.push({ node, level, collapsed: isCollapsed });
        if (!isCollapsed) {
          visit(node.children, level + 1);
        }
      }
    };
    visit(this.callTree, 0);
    return rows;
  }

  /** The innermost call whose steps include `step`, or null. */
  callAt(step = this._step): ICallNode | null {
    let nodes = this.callTree;
    let found: ICallNode | null = null;
    for (;;) {
      // Calls are in order of their first steps: the last one starting at or before `step`.
      let low = 0;
      let high = nodes.length - 1;
      let at = -1;
      while (low <= high) {
        const mid = (low + high) >> 1;
        if (nodes[mid].firstStep <= step) {
          at = mid;
          low = mid + 1;
        } else {
          high = mid - 1;
        }
      }
      const inside = at >= 0 && step <= nodes[at].lastStep ? nodes[at] : null;
      if (!inside) {
        return found;
      }
      found = inside;
      nodes = inside.children;
    }
  }

  /** The frame's call event, for naming a call in the tree. */
  callEvent(node: ICallNode): TraceEvent {
    return this.doc.events[node.event];
  }

  private _buildCallTree(): ICallNode[] {
    const roots: ICallNode[] = [];
    const byFrame = new Map<number, ICallNode>();
    this.doc.events.forEach((event, index) => {
      if (event.kind !== 'call' || byFrame.has(event.frame)) {
        return;
      }
      const indices = this._frameEvents.get(event.frame) ?? [index];
      const node: ICallNode = {
        frame: event.frame,
        event: index,
        firstStep: this._stepAtOrAfter(index),
        lastStep: this.stepForEvent(indices[indices.length - 1]),
        depth: event.depth,
        children: []
      };
      byFrame.set(event.frame, node);
      const parent =
        event.parent_frame !== null && event.parent_frame !== undefined
          ? byFrame.get(event.parent_frame)
          : undefined;
      (parent ? parent.children : roots).push(node);
    });
    return roots;
  }

  /** The first printed step at or after an event (a call's own event may be silent). */
  private _stepAtOrAfter(eventIndex: number): number {
    const before = lastAtOrBefore(this.steps, eventIndex);
    if (before >= 0 && this.steps[before] === eventIndex) {
      return before;
    }
    return Math.min(before + 1, this.steps.length - 1);
  }

  /**
   * A frame's variables after its events up to `eventIndex`. Every SNAPSHOT_EVERY-th
   * event of a frame keeps a snapshot, so a jump anywhere in a long loop applies at
   * most that many events' changes.
   */
  private _valuesAt(frame: number, eventIndex: number): Map<string, string> {
    const indices = this._frameEvents.get(frame) ?? [];
    const last = lastAtOrBefore(indices, eventIndex);
    let snapshots = this._snapshots.get(frame);
    if (!snapshots) {
      snapshots = [new Map()];
      this._snapshots.set(frame, snapshots);
    }
    // snapshots[k] holds the values before indices[k * SNAPSHOT_EVERY]
    const wanted = Math.floor((last + 1) / SNAPSHOT_EVERY);
    for (let k = snapshots.length; k <= wanted; k++) {
      const values = new Map(snapshots[k - 1]);
      for (let i = (k - 1) * SNAPSHOT_EVERY; i < k * SNAPSHOT_EVERY; i++) {
        for (const [name, value] of this.doc.events[indices[i]].changes) {
          values.set(name, value);
        }
      }
      snapshots.push(values);
    }
    const values = new Map(snapshots[wanted]);
    for (let i = wanted * SNAPSHOT_EVERY; i <= last; i++) {
      for (const [name, value] of this.doc.events[indices[i]].changes) {
        values.set(name, value);
      }
    }
    return values;
  }

  /** Names whose changes belong to this step: the current event and the silent events before it. */
  private _changesSincePreviousStep(step: number): string[] {
    const eventIndex = this.steps[step];
    const frame = this.doc.events[eventIndex].frame;
    const from = step > 0 ? this.steps[step - 1] + 1 : 0;
    const names: string[] = [];
    for (let index = from; index <= eventIndex; index++) {
      const event = this.doc.events[index];
      if (event.frame === frame) {
        names.push(...event.changes.map(([name]) => name));
      }
    }
    return names;
  }

  private _findStep(
    from: number,
    direction: 1 | -1,
    matches: (event: TraceEvent) => boolean
  ): number | null {
    for (
      let step = from;
      step >= 0 && step < this.steps.length;
      step += direction
    ) {
      if (matches(this.doc.events[this.steps[step]])) {
        return step;
      }
    }
    return null;
  }

  private _step = 0;
  private _stepTextStarts: number[];
  private _hitCounts = new Map<string, number[]>();
  private _callTree: ICallNode[] | null = null;
  private _snapshots = new Map<number, Map<string, string>[]>();
  private _frameEvents = new Map<number, number[]>();
  private _parents = new Map<number, number | null>();
  private _stateChanged = new Signal<this, void>(this);
}

const SNAPSHOT_EVERY = 256;

/** The index of the last element of an ascending array that is <= value, or -1. */
export function lastAtOrBefore(
  sorted: ArrayLike<number>,
  value: number
): number {
  let low = 0;
  let high = sorted.length - 1;
  let found = -1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (sorted[mid] <= value) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}
