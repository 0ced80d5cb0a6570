import { TraceEvent } from '../schema/trace';

/** Python's names for code objects that are not named functions. */
const ANONYMOUS_CODE: Record<string, string> = {
  '<module>': 'the cell',
  '<listcomp>': 'list comprehension',
  '<setcomp>': 'set comprehension',
  '<dictcomp>': 'dict comprehension',
  '<genexpr>': 'generator expression',
  '<lambda>': 'lambda'
};

/** How a frame is named to a person: a cell's top level is "the cell". */
export function frameName(
  event: Pick<TraceEvent, 'function' | 'comprehension'>
): string {
  if (event.comprehension) {
    return event.comprehension.toLowerCase();
  }
  return ANONYMOUS_CODE[event.function] ?? event.function;
}

/** One line saying what happens at an event. */
export function describeEvent(event: TraceEvent): string {
  const where = frameName(event);
  switch (event.kind) {
    case 'call':
      if (where !== event.function) {
        return `Start of ${where} at line ${event.line}`;
      }
      // A call's changes are its arguments.
      return `Call to ${where}(${event.changes
        .map(([name, value]) => `${name}=${value}`)
        .join(', ')})`;
    case 'line':
      return `Line ${event.line} of ${where} is about to run`;
    case 'return':
      return event.value !== undefined
        ? `${capitalize(where)} returned ${event.value}`
        : `${capitalize(where)} ended`;
    case 'exception':
      return `Exception in ${where}: ${event.value ?? ''}`.trimEnd();
    case 'resume':
      return `Back in ${where} at line ${event.line}`;
    case 'enter':
      return `Enter the with block at line ${event.line} of ${where}`;
    case 'exit':
      return `Leave the with block at line ${event.line} of ${where}`;
    default:
      return `${event.kind} at line ${event.line} of ${where}`;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
