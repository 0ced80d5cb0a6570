"""What became of an item: its status and error from what the pool saw, as a pure function.

The pool knows why it killed an item's child (``killed_for``), the frame the child wrote (its
``head``, decoded by ``read_frame``), how the child ended (the wait status) and its CPU time;
``classify`` turns these into the report's ``status`` and ``error``. No process is needed to
test it.
"""

import os
import signal
import struct

FRAME_HEADER = struct.Struct('>QQ')  # lengths of the head and the body


def frame(head, body):
    """What the child writes: a small head the pool reads and a body it passes on undecoded."""
    return FRAME_HEADER.pack(len(head), len(body)) + head + body


def split_frame(buf):
    """``(frame, rest)`` when ``buf`` starts with a whole frame, else ``(None, b'')``."""
    if len(buf) < FRAME_HEADER.size:
        return None, b''
    n_head, n_body = FRAME_HEADER.unpack(buf[:FRAME_HEADER.size])
    end = FRAME_HEADER.size + n_head + n_body
    if len(buf) < end:
        return None, b''
    return buf[:end], buf[end:]


def read_frame(buf, loads):
    """``(head, body)`` of a complete, well-formed frame, else ``(None, None)``."""
    if len(buf) < FRAME_HEADER.size:
        return None, None
    n_head, n_body = FRAME_HEADER.unpack(buf[:FRAME_HEADER.size])
    if len(buf) != FRAME_HEADER.size + n_head + n_body:
        return None, None
    try:
        head = loads(buf[FRAME_HEADER.size:FRAME_HEADER.size + n_head])
    except ValueError:
        return None, None
    body = buf[FRAME_HEADER.size + n_head:]
    if not isinstance(head, dict) or b'\n' in body:
        return None, None  # not what the harness writes
    return head, body


def split_document(head, body):
    """``(result_json, document_json)`` of a frame's body: a child puts an ok item's document
    after the result's JSON and its length in the head (``document_bytes``)."""
    n = head.get('document_bytes') if isinstance(head, dict) else None
    if not isinstance(n, int) or not 0 < n <= len(body):
        return body, None
    return body[:-n], body[-n:]


def classify(killed_for, head, wait_status, cpu_ms, timeout_s, output_bytes, wall_s=None):
    """``(status, error)`` of an item (error may be None). ``timeout_s`` is the CPU limit,
    ``wall_s`` the wall-time backstop the pool killed a ``timeout`` item at."""
    if killed_for == 'cpu_limit':  # the pool's own check of the item's CPU time
        return 'timeout', 'CPU time limit'
    if killed_for is not None:
        return killed_for, {'timeout': 'wall time limit of {} s'.format(timeout_s if wall_s is None else wall_s),
                            'output_limit': 'output over {} bytes'.format(output_bytes),
                            }.get(killed_for, killed_for)
    if head is not None:
        error = head.get('error')
        return str(head.get('status')), None if error is None else str(error)
    if wait_status is not None and os.WIFSIGNALED(wait_status):
        sig = os.WTERMSIG(wait_status)
        if sig in (signal.SIGXCPU, signal.SIGPROF) or (sig == signal.SIGKILL and cpu_ms and cpu_ms >= timeout_s * 1000):
            return 'timeout', 'CPU time limit'
        return 'crash', 'killed by signal {}'.format(signal.Signals(sig).name)
    code = os.WEXITSTATUS(wait_status) if wait_status is not None else None
    return 'crash', 'exited with code {} before reporting a result'.format(code)
