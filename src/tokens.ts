/** Every groundtrace command id, in one place. */
export namespace CommandIDs {
  export const traceCell = 'groundtrace:trace-cell';
  export const openGenerator = 'groundtrace:open-generator';
  export const openSample = 'groundtrace:open-sample';
  export const openViewer = 'groundtrace:open-viewer';
  export const openTraceFile = 'groundtrace:open-trace-file';
}
