"""Split a translator's answer into its thinking and its final text.

vLLM hands thinking back in one of three ways, depending on version and flags: a separate
``reasoning_content`` field (older reasoning parsers), a ``reasoning`` field (newer ones),
or inline in ``content`` as ``<think>…</think>`` (no parser; Qwen3's chat template puts the
opening ``<think>`` in the prompt, so ``content`` may hold only the closing tag).
"""

from dataclasses import dataclass

THINK_OPEN = '<think>'
THINK_CLOSE = '</think>'
REASONING_FIELDS = ('reasoning_content', 'reasoning')


@dataclass
class Narration:
    thinking: str  # None when the model did not think at all
    final: str  # the text after the thinking ('' when there is none)
    thinking_closed: bool  # False when the thought was cut off (finish_reason length)
    finish_reason: str = None

    def as_record(self):
        return {'thinking': self.thinking, 'final': self.final, 'thinking_closed': self.thinking_closed,
                'finish_reason': self.finish_reason, 'nl_trace': self.joined()}

    def joined(self):
        """The whole answer as Qwen3 writes it, ``<think>…</think>`` then the final text (build
        takes the text after ``</think>``; an unclosed thought has none)."""
        if not self.thinking_closed:
            return THINK_OPEN + '\n' + (self.thinking or '')
        return '{}\n{}\n{}\n\n{}'.format(THINK_OPEN, self.thinking or '', THINK_CLOSE, self.final)


def reasoning_of(message):
    """The separate reasoning text of a message or stream delta, whichever field carries it."""
    for field in REASONING_FIELDS:
        value = message.get(field)
        if value:
            return value
    return None


def split_narration(content, reasoning=None, finish_reason=None):
    """A ``Narration`` from a completion's ``content`` (may be None) and separate reasoning."""
    content = content or ''
    if reasoning:
        # A parser split it: the thought closed unless generation stopped inside it.
        closed = bool(content.strip()) or finish_reason not in ('length',)
        return Narration(reasoning, content.strip(), closed, finish_reason)
    close = content.find(THINK_CLOSE)
    open_ = content.find(THINK_OPEN)
    if close >= 0:
        start = open_ + len(THINK_OPEN) if 0 <= open_ < close else 0
        return Narration(content[start:close].strip(), content[close + len(THINK_CLOSE):].strip(),
                         True, finish_reason)
    if open_ >= 0:
        return Narration(content[open_ + len(THINK_OPEN):].strip(), '', False, finish_reason)
    return Narration(None, content.strip(), True, finish_reason)


def split_message(message, finish_reason=None):
    """A ``Narration`` from a non-streamed ``choices[0].message``."""
    return split_narration(message.get('content'), reasoning_of(message), finish_reason)


class StreamAccumulator:
    """Collects the deltas of a streamed completion (one choice)."""

    def __init__(self):
        self._content = []
        self._reasoning = []
        self.finish_reason = None
        self.usage = None
        self.chunks = 0

    def add(self, chunk):
        self.chunks += 1
        if chunk.get('usage'):
            self.usage = chunk['usage']
        for choice in chunk.get('choices') or ():
            delta = choice.get('delta') or {}
            text = reasoning_of(delta)
            if text:
                self._reasoning.append(text)
            if delta.get('content'):
                self._content.append(delta['content'])
            if choice.get('finish_reason'):
                self.finish_reason = choice['finish_reason']

    def narration(self):
        return split_narration(''.join(self._content), ''.join(self._reasoning) or None, self.finish_reason)
