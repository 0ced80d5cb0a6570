"""The trace viewer's routes: the translation prompt and the verification of a narration.

Both are thin: the prompt comes from ``translate.prompts`` (the template the batch stage
uses) and the verdict from ``verify.verify_narration``, so the browser never re-implements
either. A record is a trace record (``traces.jsonl``/``translated.jsonl``) or, for a trace
traced in a notebook, just ``{"document": <trace document>}``.

``POST /groundtrace/viewer/prompt``  ``{record}`` → ``{messages, prompt_chars}``
``POST /groundtrace/viewer/verify``  ``{record, content, reasoning?, finish_reason?}`` →
``{verdict, evidence, final, thinking, thinking_closed, grounded}``
"""

import json

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from ..translate.prompts import load_template, prompt_messages, render_prompt
from ..translate.reasoning import split_narration
from ..verify import grounding, verify_narration

ROUTE = 'groundtrace/viewer'


def record_for_prompt(record):
    """A trace record, completed from its structured trace when it has no snoop text."""
    record = dict(record or {})
    document = record.pop('document', None)
    if isinstance(document, dict):
        record.setdefault('trace', document.get('text', ''))
        if not (record.get('refcode') or record.get('code')):
            record['code'] = '\n\n'.join(str(text).strip('\n') for text in (document.get('sources') or {}).values())
        if 'return_value' not in record and document.get('return_value') is not None:
            record['return_value'] = document['return_value']
        if not record.get('problem_description') and document.get('title'):
            record['problem_description'] = 'What does {} return?'.format(document['title'])
    record.setdefault('trace', '')
    return record


class _ViewerHandler(APIHandler):
    def body(self):
        try:
            body = json.loads(self.request.body or b'{}')
        except ValueError:
            raise tornado.web.HTTPError(400, 'the request body is not JSON')
        if not isinstance(body, dict) or not isinstance(body.get('record'), dict):
            raise tornado.web.HTTPError(400, 'the request needs a "record" object')
        return body


class PromptHandler(_ViewerHandler):
    @tornado.web.authenticated
    def post(self):
        record = record_for_prompt(self.body()['record'])
        prompt = render_prompt(record, load_template())
        self.finish(json.dumps({'messages': prompt_messages(prompt), 'prompt_chars': len(prompt)}))


class VerifyHandler(_ViewerHandler):
    @tornado.web.authenticated
    def post(self):
        body = self.body()
        record = record_for_prompt(body['record'])
        narration = split_narration(body.get('content'), body.get('reasoning'), body.get('finish_reason'))
        result = verify_narration(narration.final, record, thinking_closed=narration.thinking_closed,
                                 finish_reason=narration.finish_reason)
        grounded, _, _ = grounding(narration.final, record)
        result.update(final=narration.final, thinking=narration.thinking,
                      thinking_closed=narration.thinking_closed, grounded=grounded[:200])
        self.finish(json.dumps(result, default=repr))


def setup_viewer_handlers(web_app):
    base = url_path_join(web_app.settings['base_url'], ROUTE)
    web_app.add_handlers('.*$', [
        (url_path_join(base, 'prompt'), PromptHandler),
        (url_path_join(base, 'verify'), VerifyHandler),
    ])
