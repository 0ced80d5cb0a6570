/** Every groundtrace command id, in one place. */
export namespace CommandIDs {
  export const traceCell = 'groundtrace:trace-cell';
}
