"""The batch client: start-up checks, retries, Retry-After, replicas, error shapes, request body."""

import asyncio
import socket
import time

import pytest

from fake_vllm import FakeVLLM
from groundtrace.translate.client import (
    BatchClient,
    TranslatorUnavailable,
    error_message,
)
from groundtrace.translate.config import PAPER_SAMPLING, build_config

MESSAGES = [{'role': 'user', 'content': ' .......... x = 41\n <<< Return value from main_solution: 42'}]


def closed_port_url():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return 'http://127.0.0.1:{}/v1'.format(s.getsockname()[1])


def config(urls, model='fake/Qwen3-toy', **options):
    options.setdefault('backoff_base', 0.01)
    options.setdefault('dead_cooldown', 0.2)
    return build_config(urls=urls, model=model, **options)


async def checked(cfg):
    async with BatchClient(cfg) as client:
        return await client.check()


async def complete_all(cfg, n):
    results = []
    async with BatchClient(cfg) as client:
        await client.check()
        await client.run(([dict(MESSAGES[0], content=MESSAGES[0]['content'] + ' #{}'.format(i))] for i in range(n)),
                         lambda key, completion: results.append(completion))
        return results, client


def test_unreachable_server_is_named_clearly():
    url = closed_port_url()
    with pytest.raises(TranslatorUnavailable, match='is unreachable .* is vLLM running there'):
        asyncio.run(checked(config(url)))


def test_server_of_another_model_is_named_clearly():
    with FakeVLLM(model='Qwen/Qwen3-8B') as server:
        with pytest.raises(TranslatorUnavailable, match='serves Qwen/Qwen3-8B, not Qwen/Qwen3-32B'):
            asyncio.run(checked(config(server.url, model='Qwen/Qwen3-32B')))


def test_wrong_key_is_named_clearly(monkeypatch):
    monkeypatch.setenv('GROUNDTRACE_TRANSLATOR_API_KEY', 'wrong')
    with FakeVLLM(api_key='right') as server:
        with pytest.raises(TranslatorUnavailable, match='refused the API key'):
            asyncio.run(checked(config(server.url)))


def test_request_carries_the_paper_sampling_and_thinking():
    with FakeVLLM() as server:
        asyncio.run(complete_all(config(server.url), 1))
        body = server.bodies[-1]
    assert {k: body[k] for k in PAPER_SAMPLING} == {'temperature': 0.6, 'top_p': 0.95, 'top_k': 20, 'min_p': 0.0,
                                                    'max_tokens': 16384}
    assert body['chat_template_kwargs'] == {'enable_thinking': True}


def test_retry_after_is_honoured():
    with FakeVLLM(rate_429=1.0, retry_after=0.3) as server:
        cfg = config(server.url, max_attempts=2)
        started = time.monotonic()
        results, _ = asyncio.run(complete_all(cfg, 1))
    assert time.monotonic() - started >= 0.3
    assert results[0].status == 'failed' and '429' in results[0].error and results[0].attempts == 2


def test_server_errors_are_retried_until_they_pass():
    with FakeVLLM(rate_500=0.5, seed=1) as server:
        results, _ = asyncio.run(complete_all(config(server.url), 20))
        faults = server.counts['fault_500']
    assert faults > 0 and all(r.status == 'ok' for r in results)
    assert sum(r.attempts for r in results) == 20 + faults


@pytest.mark.parametrize('shape', ['flat', 'nested'])
def test_client_errors_fail_at_once_with_the_servers_message(shape):
    with FakeVLLM(error_shape=shape) as server:
        async def wrong_model():
            async with BatchClient(config(server.url, model='other')) as client:
                return await client.complete(MESSAGES)
        result = asyncio.run(wrong_model())
    assert result.status == 'failed' and result.attempts == 1
    assert result.error == '404: The model `other` does not exist.'


def test_both_vllm_error_shapes_are_read():
    assert error_message(b'{"object": "error", "message": "boom", "type": "BadRequestError", "code": 400}') == 'boom'
    assert error_message(b'{"error": {"message": "boom", "type": "BadRequestError", "code": 400}}') == 'boom'
    assert error_message(b'<html>bad gateway</html>') == '<html>bad gateway</html>'


def test_dead_replica_is_taken_out_and_the_live_one_does_the_work():
    dead = closed_port_url()
    with FakeVLLM() as server:
        results, client = asyncio.run(complete_all(config([dead, server.url], concurrency=4), 12))
    assert all(r.status == 'ok' and r.endpoint == server.url for r in results)
    assert client.endpoints[0].dead_until > 0


def test_replicas_share_the_load_by_requests_in_flight():
    with FakeVLLM(latency=0.05) as a, FakeVLLM(latency=0.05) as b:
        results, _ = asyncio.run(complete_all(config([a.url, b.url], concurrency=8), 40))
        served = (a.counts['completed'], b.counts['completed'])
    assert all(r.status == 'ok' for r in results)
    assert min(served) >= 10, served


def test_replica_that_dies_midway_is_avoided_and_work_finishes():
    with FakeVLLM(latency=0.05) as survivor:
        victim = FakeVLLM(latency=0.05).start()

        async def run():
            results = []
            async with BatchClient(config([victim.url, survivor.url], concurrency=4)) as client:
                await client.check()
                loop = asyncio.get_running_loop()
                loop.call_later(0.15, victim.stop)
                await client.run(([dict(MESSAGES[0], content='{}'.format(i))] for i in range(40)),
                                 lambda key, completion: results.append(completion))
            return results
        results = asyncio.run(run())
    assert len(results) == 40 and all(r.status == 'ok' for r in results)


def test_server_restart_is_waited_out_without_a_long_pause():
    server = FakeVLLM(latency=0.05).start()
    restarted = FakeVLLM(latency=0.05, port=server.port)

    async def run():
        results = []
        async with BatchClient(config(server.url, concurrency=8, dead_cooldown=0.1)) as client:
            await client.check()
            loop = asyncio.get_running_loop()
            loop.call_later(0.15, server.stop)
            loop.call_later(0.6, restarted.start)
            started = time.monotonic()
            await client.run(([dict(MESSAGES[0], content='{}'.format(i))] for i in range(40)),
                             lambda key, completion: results.append(completion))
            return results, time.monotonic() - started, client.endpoints[0].failures
    try:
        results, elapsed, failures = asyncio.run(run())
    finally:
        restarted.stop()
    assert all(r.status == 'ok' for r in results) and len(results) == 40
    # The eight requests in flight at the outage count as one failure of the replica, not eight.
    assert elapsed < 5 and failures <= 3
