/** The MIME type of a trace document, shared with the Python kernel helper. */
export const TRACE_MIME_TYPE = 'application/vnd.groundtrace.trace+json';
