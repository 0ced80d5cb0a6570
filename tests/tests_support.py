"""Small helpers shared by tests (kept out of conftest so tests can import them)."""

import time


def wait_for(condition, timeout, interval=0.05):
    """Poll ``condition`` until it is truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError('condition not met within {} s'.format(timeout))
