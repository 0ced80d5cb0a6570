"""Is a narration right and grounded?  The one implementation the pipeline and the UI use.

A narration (the translator's text after its thinking) is checked four ways:

* **answer** — the final answer is extracted (by the prompt's convention, a last line
  ``Final answer: <value>``; fallbacks: ``\\boxed{…}``, a last fenced block, "the output
  is …") and compared, parsed, with the executed return value using the engine's
  ``compare.values_equal`` (floats to 1e-3, sets in any order);
* **grounding** — every number and quoted string the narration states is looked up in
  the trace, input, code and question; small integers (|n| ≤ 10: counts, step numbers)
  are not held against it;
* **trace mentions** — it must not say that a trace / log / record was given;
* **code** — it must not contain code.

``verify_narration`` returns ``{'verdict': …, 'evidence': {…}}``; ``verdict_allows``
is the build stage's filter.
"""

import bisect
import json
import re

from .pipeline.compare import parse_value, values_equal

# In order of precedence: the first that applies is the verdict.
VERDICTS = ('unfinished', 'no_answer', 'wrong_answer', 'mentions_trace', 'contains_code', 'ungrounded', 'pass')

# The verdicts that say the final answer was not found or is not the executed value.
ANSWER_VERDICTS = frozenset({'unfinished', 'no_answer', 'wrong_answer'})

# Build policies: the verdicts each one drops.  The default trains only on ``pass``: the
# answer was found and equals the executed value, and nothing else was flagged.  The
# grounding verdicts are not safe to train on by default: ``mentions_trace`` teaches the
# model to cite a record it will not have, ``contains_code`` breaks the prose-only target,
# ``ungrounded`` states values the run never produced.
POLICIES = {
    'default': frozenset(VERDICTS) - {'pass'},
    'verified': ANSWER_VERDICTS,  # a right answer, whatever the grounding checks said
    'all': frozenset({'unfinished'}),  # a thought that never closed has no target to train on
}
POLICIES['strict'] = POLICIES['default']  # the former name of the default
DEFAULT_POLICY = 'default'

TRIVIAL_INT = 10
UNGROUNDED_FRACTION = 0.1  # more than one stated value, and more than this share, unfound → 'ungrounded'
MAX_LISTED = 50  # evidence lists are cut to this many entries

# Where a narration states its answer, in the ways models write it (any case, with or without
# markdown emphasis): a labelled line ("Final answer:", "**Final Output:**", "Output:", "Answer:"),
# a sentence ("the output is …", "the output of the code is:" over a block, "the function returns …";
# not one that starts with "if"/"otherwise"), \\boxed{…}, the last fenced block, or a
# last line that is only a value.  The one stated last wins; a fenced block or a bare last line
# counts only when nothing is labelled.
_EMPHASIS = r'[*_]{0,3}'
_LABEL = re.compile(
    r'(?im)^[ \t>#-]*' + _EMPHASIS + r'[ \t]*(?P<label>final[ \t]+(?:answer|output|result)|answer|output|result'
    r'|return(?:ed)?[ \t]+value)[ \t]*' + _EMPHASIS + r'[ \t]*(?:[:：=]|is\b|(?=\n))[ \t]*' + _EMPHASIS + r'[ \t]*')
# (a label alone on its line, "### Output", heads the value or sentence below it)
_SENTENCE = re.compile(
    r'(?i)\b(?:(?:final[ \t]+)?(?:output|answer|result|solution|return(?:ed)?[ \t]+value)'
    r'(?:[ \t]+(?:of|from|to|for)[ \t]+[^\n.:;]{1,60}?)?[ \t]+(?:is|will[ \t]+be|would[ \t]+be)'  # "the output of the code is"
    r'|(?:function|code|program|solution|it|main_solution(?:\(\))?)[ \t]+(?:returns|will[ \t]+return|would[ \t]+return)'
    r')[ \t]*(?P<colon>:?)[ \t]*(?P<rest>[^\n]*)')
# A sentence or clause that starts so states a case, not the answer ("If both hold, it returns
# True.", "…, otherwise it returns False").
_CONDITIONAL = re.compile(r'(?i)^\W*(?:if|otherwise|else|unless)\b')
_BOXED = re.compile(r'\\boxed\{')
_FENCE = re.compile(r'```[ \t]*([\w+-]*)[ \t]*\n(.*?)```', re.S)
_AFTER_VALUE = re.compile(r'[ \t]*(?:[,;(—–]|\s-\s|\b(?:because|since|which|as|after|from|for|and|so|when)\b)')
_NUMBER = re.compile(r'(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w])')
_QUOTED = re.compile(r'''(?<![\w'"])(?:'([^'\n]{1,80})'|"([^"\n]{1,80})")(?![\w'"])''')
_TRACE_MENTION = re.compile(
    r'(?i)\bsnoop\b|\bexecution\s+(?:trace|log|record)s?\b|\b(?:the|this|given|provided)\s+(?:trace|log|execution\s+record)\b'
    r'|\btrace\s+(?:shows|says|indicates|output|above|below)\b|\baccording\s+to\s+the\s+(?:trace|log|record)\b'
    r'|>>> Call to|<<< Return value|^\s*\.{6,}\s', re.M)
_CODE_LINE = re.compile(
    r'(?m)^[ \t]*(?:def\s+\w+\s*\(.*\)\s*:|class\s+\w+.*:|import\s+\w+\s*$|from\s+[\w.]+\s+import\s+\w+'
    r'|(?:for|while|if|elif)\s+[^\n:]*(?:\bin\b|==|!=|<|>)[^\n]*:\s*$|return\s+[\w(\[{][^\n]*$)')


def _clean_answer(text):
    text = text.strip()
    fence = _FENCE.match(text)
    if fence:
        return fence.group(2).strip()
    previous = None
    while text != previous:  # markdown emphasis, code spans, math, a closing full stop
        previous = text
        text = text.strip('*_ \t')
        for mark in ('`', '$'):
            if len(text) >= 2 and text[0] == text[-1] == mark:
                text = text.strip(mark).strip()
        if text.endswith('.') and (_value_like(text[:-1]) or not _value_like(text)):
            text = text[:-1].rstrip()
    return text


def _quoted(text):
    return len(text) >= 2 and text[0] == text[-1] and text[0] in '\'"'


def _value_like(text):
    """A literal (number, list, dict, True, None, …) or a quoted string, not just words."""
    return bool(text) and (not isinstance(parse_value(text), str) or _quoted(text.strip()))


def _value_prefix(text):
    """The value at the start of ``text`` when words follow it ("11 (the sum)", "[1, 2] because …")."""
    for m in _AFTER_VALUE.finditer(text):
        head = _clean_answer(text[:m.start()])
        if _value_like(head):
            return head
    return None


def _labelled_value(rest, strict):
    """The value after a label or in a sentence: a fenced block, the whole rest when it is one
    value (it may span lines), else the first line (or the value at its start). ``strict``:
    words alone are no answer (a sentence such as "the result is built by …")."""
    rest = rest.strip()
    if rest.startswith('```'):  # a block the completion never closed is cut off, not a value
        return _without_return(_clean_answer(rest)) if _FENCE.match(rest) else None
    whole = _without_return(_clean_answer(rest))
    if _value_like(whole):
        return whole
    first = _clean_answer(rest.split('\n', 1)[0])
    if _value_like(first):
        return first
    for marker in (' is ', '=', ' be '):  # "the sorted list is [1, 2]", "3 + 4 = 7"
        if marker in first:
            tail = _clean_answer(first.rsplit(marker, 1)[1])
            if _value_like(tail):
                return tail
    head = _value_prefix(first)
    if head is not None:
        return head
    return None if strict else (first or None)


def _without_return(text):
    """``True`` of "The output is: ```return True```"."""
    if text.startswith('return ') and _value_like(text[len('return '):].strip()):
        return text[len('return '):].strip()
    return text


def _balanced(text, start):
    """The text inside braces that open just before ``start``."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == '{':
            depth += 1
        elif text[i] == '}':
            depth -= 1
            if depth == 0:
                return text[start:i]
    return None


def _sentence_before(text, offset):
    """The text from the start of the sentence holding ``offset`` up to it."""
    start = max(text.rfind(mark, 0, offset) for mark in ('. ', '\n'))
    return text[start + 1:offset]


def _block_after(text, offset):
    """What stands below a line ending in a colon: its fenced block, else its paragraph."""
    below = text[offset:].lstrip(' \t\n')
    if below.startswith('```'):
        return below
    return re.split(r'\n[ \t]*\n', below, maxsplit=1)[0]


def _stated_answers(text):
    """Every labelled, sentence or boxed statement of an answer: ``(offset, answer, how)``."""
    found = []
    for m in _LABEL.finditer(text):
        value = _labelled_value(text[m.end():], strict=not m.group('label').lower().startswith('final'))
        if value:
            how = 'final_answer_line' if m.group('label').lower().startswith('final') else 'label_line'
            found.append((m.start(), value, how))
    for m in _SENTENCE.finditer(text):
        before = _sentence_before(text, m.start())
        if _CONDITIONAL.match(before) or _CONDITIONAL.match(before.rsplit(',', 1)[-1]):
            continue
        rest = m.group('rest')
        if not rest.strip() and m.group('colon'):  # "The output is:" and the value below it
            rest = _block_after(text, m.end())
        value = _labelled_value(rest, strict=True)
        if value:
            found.append((m.start(), value, 'sentence'))
    for m in _BOXED.finditer(text):
        inner = _balanced(text, m.end())
        if inner and _clean_answer(inner):
            found.append((m.start(), _clean_answer(inner), 'boxed'))
    code = _code_spans(text)
    return [s for s in found if not any(start <= s[0] < end for start, end in code)]


def _code_spans(text):
    """Where the text is code: fenced blocks of Python (by tag or content), and a block never
    closed. A line there such as ``result = []`` is the code's, not a statement of the answer."""
    spans, end = [], 0
    for m in _FENCE.finditer(text):
        if m.group(1).lower() in ('python', 'py') or _CODE_LINE.search(m.group(2)):
            spans.append((m.start(), m.end()))
        end = m.end()
    if text.count('```', end) % 2:
        spans.append((text.index('```', end), len(text)))
    return spans


def extract_answer(text):
    """``(answer_text, how)`` from a narration, or ``(None, None)``."""
    if not text:
        return None, None
    stated = _stated_answers(text)
    if stated:
        # The last statement wins; one that starts where another does (a label line is also a
        # sentence) is taken by its strongest reading.
        last = max(offset for offset, _, _ in stated)
        order = ('final_answer_line', 'label_line', 'boxed', 'sentence')
        _, value, how = min((s for s in stated if s[0] == last), key=lambda s: order.index(s[2]))
        return value, how
    fences = list(_FENCE.finditer(text))
    if fences and fences[-1].group(1).lower() in ('', 'json', 'text', 'python', 'py'):
        body = fences[-1].group(2).strip()
        if _value_like(body) and not text[fences[-1].end():].strip():
            return body, 'fenced_block'
    lines = [line for line in text.strip().split('\n') if line.strip()]
    if lines and text.count('```') % 2 == 0:  # a last line inside a block never closed is cut off
        value = _clean_answer(lines[-1])
        if _value_like(value):
            return value, 'last_line'
    return None, None


def executed_answer(record):
    """The executed return value of a trace record: the full value when the trace stage
    kept it, else what the trace's last line prints (which snoop may abbreviate)."""
    value = record.get('return_value')
    if isinstance(value, dict) and 'repr' in value and set(value) <= {'repr', 'json'}:
        return value['json'] if 'json' in value else parse_value(value['repr'])
    if 'return_value' in record:
        return value
    from .translate.prompts import trace_answer
    text = trace_answer(record.get('trace', ''))
    return parse_value(text) if text is not None else None


def answers_match(answer_text, expected):
    parsed = parse_value(answer_text)
    if isinstance(parsed, str) and isinstance(expected, str):
        return parsed.strip().strip('\'"') == expected
    try:
        return values_equal(parsed, expected)
    except Exception:
        return False


class _Pool:
    """The numbers and text a narration may draw on."""

    def __init__(self, texts):
        self.text = '\n'.join(texts)
        self.numbers = sorted(float(m.group()) for m in _NUMBER.finditer(self.text) if _finite(m.group()))

    def has_number(self, token):
        value = float(token)
        decimals = len(token.split('.', 1)[1].split('e')[0].split('E')[0]) if '.' in token else 0
        # A value stated to d decimals matches a pool value that rounds to it.
        slack = 0.5 * 10 ** -decimals if decimals else 1e-9 * max(1.0, abs(value))
        i = bisect.bisect_left(self.numbers, value - slack)
        return i < len(self.numbers) and self.numbers[i] <= value + slack

    def has_text(self, text):
        return text in self.text


def _finite(token):
    try:
        v = float(token)
    except ValueError:
        return False
    return v == v and abs(v) != float('inf')


def _pool_texts(record):
    from .translate.prompts import clean_trace, question_text
    texts = [clean_trace(record.get('trace', '')), question_text(record),
             record.get('refcode', record.get('code', '')) or '']
    for value in (record.get('input'), executed_answer(record)):
        try:
            texts.append(json.dumps(value, ensure_ascii=False))
        except (TypeError, ValueError):
            pass
        texts.append(repr(value))
    if record.get('snoop_trace'):  # compact format: values of folded iterations are in the full trace
        texts.append(clean_trace(record['snoop_trace']))
    return texts


def grounding(narration, record):
    """Stated values of the narration, split into grounded and ungrounded, with offsets."""
    pool = _Pool(_pool_texts(record))
    grounded, ungrounded, trivial = [], [], 0
    for m in _NUMBER.finditer(narration):
        token = m.group()
        if not _finite(token):
            continue
        if '.' not in token and 'e' not in token.lower() and abs(int(token)) <= TRIVIAL_INT:
            trivial += 1
            continue
        (grounded if pool.has_number(token) else ungrounded).append({'value': token, 'at': m.start()})
    for m in _QUOTED.finditer(narration):
        text = m.group(1) if m.group(1) is not None else m.group(2)
        if not text.strip() or _NUMBER.fullmatch(text.strip()):
            continue
        (grounded if pool.has_text(text) else ungrounded).append({'value': repr(text), 'at': m.start()})
    return grounded, ungrounded, trivial


def verify_narration(final, record, *, thinking_closed=True, finish_reason=None):
    """Verdict and evidence for the narration ``final`` of the trace record ``record``.
    A completion cut off by its token limit (``finish_reason`` ``length``) is ``unfinished``
    whether or not the model thought first: its last words are not a conclusion."""
    final = final or ''
    evidence = {'thinking_closed': bool(thinking_closed), 'finish_reason': finish_reason}
    answer_text, how = extract_answer(final)
    expected = executed_answer(record)
    evidence.update(answer=answer_text, answer_found_by=how, expected=_short(expected))
    evidence['answer_matches'] = answers_match(answer_text, expected) if answer_text is not None else None
    grounded, ungrounded, trivial = grounding(final, record)
    stated = len(grounded) + len(ungrounded)
    evidence.update(
        values_stated=stated, values_grounded=len(grounded), small_integers=trivial,
        grounded_fraction=round(len(grounded) / stated, 4) if stated else None,
        ungrounded=ungrounded[:MAX_LISTED])
    question = ' '.join(_pool_texts(record)[1:3])
    mentions = [m.group().strip() for m in _TRACE_MENTION.finditer(final)
                if m.group().strip().lower() not in question.lower()]
    evidence['mentions_trace'] = mentions[:MAX_LISTED]
    code = [m.group().strip() for m in _CODE_LINE.finditer(final)]
    code += [m.group(2).strip()[:200] for m in _FENCE.finditer(final)
             if m.group(1).lower() in ('python', 'py') or _CODE_LINE.search(m.group(2))]
    evidence['code'] = code[:MAX_LISTED]

    if not thinking_closed or not final.strip() or finish_reason == 'length':
        verdict = 'unfinished'
    elif answer_text is None:
        verdict = 'no_answer'
    elif not evidence['answer_matches']:
        verdict = 'wrong_answer'
    elif mentions:
        verdict = 'mentions_trace'
    elif code:
        verdict = 'contains_code'
    elif len(ungrounded) > max(1, UNGROUNDED_FRACTION * stated):
        verdict = 'ungrounded'
    else:
        verdict = 'pass'
    return {'verdict': verdict, 'evidence': evidence}


def _short(value, limit=300):
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + '…'


def parse_policy(policy):
    """The set of verdicts a policy drops: a name in ``POLICIES``, ``drop:v1,v2`` or ``keep:v1,v2``."""
    if policy is None:
        policy = DEFAULT_POLICY
    if isinstance(policy, (set, frozenset)):
        return frozenset(policy)
    if policy in POLICIES:
        return POLICIES[policy]
    kind, _, names = policy.partition(':')
    chosen = frozenset(n.strip() for n in names.split(',') if n.strip())
    unknown = chosen - set(VERDICTS)
    if kind not in ('drop', 'keep') or unknown or not chosen:
        raise ValueError('unknown verdict policy {!r}: use one of {} or drop:/keep: with verdicts from {}'.format(
            policy, ', '.join(POLICIES), ', '.join(VERDICTS)))
    return chosen | {'unfinished'} if kind == 'drop' else frozenset(VERDICTS) - chosen | {'unfinished'}


def build_verdict(record, final):
    """The verdict build applies to a translated record, however ``translated.jsonl`` was made
    (translate stage, ``import-batch``, a user's own file): the answer is checked again here
    against the executed value the record carries, so a wrong or missing answer is never
    trained on on the strength of a recorded verdict; the grounding verdict the translate
    stage recorded (it saw the whole trace) stands when the answer checks out.
    Returns the verdict, or None when the record carries no executed value to check against."""
    if not any(record.get(k) is not None for k in ('return_value', 'trace', 'answer')):
        return None
    if record.get('return_value') is None and not record.get('trace') and 'answer' in record:
        record = dict(record, return_value=parse_value(record['answer']))
    fresh = verify_narration(final, record, thinking_closed=record.get('thinking_closed', True) is not False,
                             finish_reason=record.get('finish_reason'))['verdict']
    recorded = record.get('verdict')
    if fresh in ANSWER_VERDICTS or recorded not in VERDICTS or recorded in ANSWER_VERDICTS:
        return fresh
    return recorded


def verdict_allows(record, policy=DEFAULT_POLICY):
    """May the build stage train on this translated record under ``policy``?"""
    return record.get('status') == 'ok' and record.get('verdict') not in parse_policy(policy)
