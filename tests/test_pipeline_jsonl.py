"""Append-only files survive a kill; a folder lock refuses a second job."""

import pytest

from groundtrace.pipeline.job_folder import FolderLocked, JobFolder
from groundtrace.pipeline.jsonl import JsonlAppender, iter_jsonl


def test_a_torn_last_line_is_cut_before_appending(tmp_path):
    path = tmp_path / 'f.jsonl'
    path.write_bytes(b'{"id": 1}\n{"id": 2}\n{"id": 3, "tra')
    with JsonlAppender(str(path)) as out:
        out.write({'id': 3})
    assert [r['id'] for r in iter_jsonl(str(path))] == [1, 2, 3]


def test_a_second_lock_on_a_folder_is_refused_with_the_holder(tmp_path):
    with JobFolder(str(tmp_path)).lock():
        with pytest.raises(FolderLocked, match='another groundtrace job'):
            JobFolder(str(tmp_path)).lock().acquire()
    JobFolder(str(tmp_path)).lock().acquire().release()  # free again afterwards


def test_the_writer_never_raises_on_a_value_and_keeps_lines_utf8(tmp_path):
    import math

    from groundtrace.pipeline.jsonl import JsonlAppender, iter_jsonl
    from groundtrace.pipeline.values import TAG
    deep = []
    for _ in range(3000):
        deep = [deep]
    path = tmp_path / 'out.jsonl'
    with JsonlAppender(str(path)) as out:
        out.write({'line_no': 1, 'bytes': b'\x00', 'keys': {1: 'a'}, 'nan': math.nan, 'text': 'a\ud800',
                   'deep': deep, 'object': object()})
    path.read_bytes().decode('utf-8')  # valid UTF-8 throughout
    (record,) = iter_jsonl(str(path))
    assert record['line_no'] == 1 and record['text'] == 'a\ud800'
    assert record['bytes'] == {TAG: "b'\\x00'"} and record['nan'] == {TAG: 'nan'}
    assert record['object']['exact'] is False
