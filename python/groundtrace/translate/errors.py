"""The translator's errors, apart from the client so that catching them loads no HTTP stack."""


class TranslatorUnavailable(RuntimeError):
    """The endpoint cannot be used at all (unreachable, another model, refused)."""


class TranslatorRejected(TranslatorUnavailable):
    """The server refused the request's settings (a 4xx that is not about one prompt's length)."""
