"""The ``groundtrace.jobs`` comm target: the side panel's requests and the job events.

Every message is defined in ``schema/jobs.schema.json`` (the panel's TypeScript types are
generated from it) and each request is validated against it here. Requests carry ``type``
and ``request_id`` and get exactly one ``reply`` message (``ok`` with ``result``, or
``error`` with ``hint``); job events (``progress``, ``status``) go to every open comm, so
a reloaded page picks the running jobs up again.
"""

import collections
import functools
import itertools
import json
import os
import threading

from .jobs import JobManager, JobRequestError
from .pipeline.job_folder import JobFolder
from .samples import SampleIndex, load_sample

COMM_TARGET = 'groundtrace.jobs'
PREVIEW_RECORDS = 5
PREVIEW_SCAN_LINES = 200

_comms = set()
_comms_lock = threading.Lock()


def _broadcast(event):
    with _comms_lock:
        comms = list(_comms)
    for comm in comms:
        try:
            comm.send(event)
        except Exception:  # a closed or broken comm must not stop the others
            with _comms_lock:
                _comms.discard(comm)


_manager = JobManager(_broadcast)
_indexes = {}  # output folder -> SampleIndex


# Each request type and its definition in the schema.
REQUEST_DEFS = {'start': 'StartRequest', 'cancel': 'FolderRequest', 'attach': 'FolderRequest',
                'list': 'ListRequest', 'preview': 'PreviewRequest', 'samples': 'SamplesRequest',
                'sample': 'SampleRequest'}


@functools.lru_cache(maxsize=None)
def _validator(definition):
    import jsonschema

    path = os.path.join(os.path.dirname(__file__), 'schema', 'jobs.schema.json')
    with open(path) as f:
        schema = json.load(f)
    return jsonschema.Draft202012Validator({'$ref': '#/$defs/' + definition, '$defs': schema['$defs']})


def validate_request(request):
    """Raise a JobRequestError saying what is wrong with a request that breaks the schema."""
    kind = request.get('type') if isinstance(request, dict) else None
    if kind not in REQUEST_DEFS:
        raise JobRequestError('unknown request type {!r}'.format(kind),
                              'reload the page: the panel and the kernel are of different versions')
    error = next(iter(sorted(_validator(REQUEST_DEFS[kind]).iter_errors(request),
                             key=lambda e: list(e.absolute_path))), None)
    if error is not None:
        where = '.'.join(str(p) for p in error.absolute_path)
        raise JobRequestError('invalid {} request{}: {}'.format(kind, ' (' + where + ')' if where else '',
                                                                 error.message),
                              'check the value in the panel; the CLI flag of the same name explains it')


def preview_input(path):
    """The first records of an input file, and the malformed lines met on the way."""
    from .pipeline.records import Malformed, detected_format, read_problems

    records, malformed, formats = [], [], collections.Counter()
    for line_no, item in itertools.islice(read_problems(path, formats=formats), PREVIEW_SCAN_LINES):
        if isinstance(item, Malformed):
            malformed.append({'line_no': item.line_no, 'reason': item.reason, 'detail': item.detail})
        elif len(records) < PREVIEW_RECORDS:
            records.append({
                'line_no': line_no,
                'id': item['meta']['msgidx'],
                'problem_description': item['problem_description'][:300],
                'funcname': item['funcname'],
                'n_ios': len(item.get('ios') or []),
            })
        if len(records) >= PREVIEW_RECORDS and len(malformed) >= PREVIEW_RECORDS:
            break
    if not records and not malformed:
        raise JobRequestError('{} holds no records'.format(path), 'pick a JSONL file with one problem a line')
    return {'records': records, 'malformed': malformed, 'input_format': detected_format(formats),
            'lines': count_lines(path)}


def count_lines(path):
    """Non-empty lines of a JSONL input (plain or gzip), without parsing them; None for other inputs."""
    from .pipeline.adapters.sources import kind_of
    from .pipeline.jsonl import open_input_bytes

    if kind_of(path) != 'jsonl':
        return None
    with open_input_bytes(path) as f:
        return sum(1 for line in f if line.strip())


def _folder(output):
    return os.path.abspath(os.path.expanduser(output))


def _handle(request):
    validate_request(request)
    kind = request.get('type')
    if kind == 'start':
        return _manager.start(request.get('options') or {})
    if kind == 'cancel':
        return _manager.cancel(request['output'])
    if kind == 'attach':
        return _manager.attach(request['output'])
    if kind == 'list':
        return _manager.list()
    if kind == 'preview':
        path = os.path.abspath(os.path.expanduser(request.get('path') or ''))
        if not os.path.isfile(path):
            raise JobRequestError('file not found: {}'.format(path),
                                  'check the path; it is relative to the Jupyter server\'s root folder')
        return dict(preview_input(path), path=path)
    if kind == 'samples':
        output = _folder(request['output'])
        if not JobFolder(output).has('traces'):
            raise JobRequestError('{} holds no traced items yet'.format(output),
                                  'run the trace stage into this folder first')
        index = _indexes.setdefault(output, SampleIndex(output))
        return index.query(status=request.get('status', ''), verdict=request.get('verdict', ''),
                           query=request.get('query', ''), offset=request.get('offset', 0),
                           limit=request.get('limit', 200))
    if kind == 'sample':
        sample = load_sample(_folder(request['output']), request['id'])
        if sample is None:
            raise JobRequestError('no item {} in {}'.format(request['id'], request['output']),
                                  'refresh the sample list')
        return sample


def _on_open(comm, _open_msg):
    with _comms_lock:
        _comms.add(comm)

    @comm.on_msg
    def _on_msg(msg):
        request = msg['content']['data'] or {}
        reply = {'type': 'reply', 'request_id': request.get('request_id')}
        try:
            reply.update(ok=True, result=_handle(request))
        except JobRequestError as exc:
            reply.update(ok=False, error=str(exc), hint=exc.hint)
        except Exception as exc:  # report, never kill the kernel's comm handler
            reply.update(ok=False, error='{}: {}'.format(type(exc).__name__, exc), hint='')
        comm.send(reply)

    @comm.on_close
    def _on_close(_msg):
        with _comms_lock:
            _comms.discard(comm)

    comm.send({'type': 'jobs', 'jobs': _manager.list()})


def _warm_up():
    """Import jsonschema and build the validators now: the import takes seconds on a busy machine."""
    for definition in set(REQUEST_DEFS.values()):
        _validator(definition)


def register_comm_target():
    import comm
    comm.get_comm_manager().register_target(COMM_TARGET, _on_open)
    # in the background, so that %load_ext (and Trace Cell) does not wait for it
    threading.Thread(target=_warm_up, daemon=True, name='groundtrace-jobs-warm-up').start()
