"""Child process of test_sandbox_embedded: the sandbox inside an asyncio reactor, called from that reactor.

This is how a crawl embeds it: ``start_sandbox`` in the running asyncio
reactor, a client in the same reactor. Prints one JSON line of findings,
among them how many calls the sandbox had handled when each delayed answer
arrived: a reactor blocked by the delays could not have handled the second
call before the first answer went out.
"""

from __future__ import annotations

import io
import json
import time
import warnings

from twisted.internet import asyncioreactor

asyncioreactor.install()
# Twisted's client pool hands readBody a wrapped transport; that is the client's business, not the sandbox's.
warnings.filterwarnings("ignore", "Using readBody", DeprecationWarning)

from twisted.internet import defer, reactor  # noqa: E402
from twisted.internet.error import ConnectionRefusedError  # noqa: E402
from twisted.web.client import Agent, FileBodyProducer, HTTPConnectionPool, readBody  # noqa: E402
from twisted.web.http_headers import Headers  # noqa: E402

from harvester.open1688 import endpoints  # noqa: E402
from harvester.sandbox.config import SandboxConfig  # noqa: E402
from harvester.sandbox.server import start_sandbox  # noqa: E402

#: The delay of every answer: the three calls are handled within it unless the reactor is blocked (or the
#: machine stops this process for that long).
DELAY = 1.0


async def main() -> dict:
    sandbox = start_sandbox(
        SandboxConfig(
            offers=20_000,
            app_key="1000000",
            app_secret="sandbox-secret",
            access_token="token",
            refresh_token="refresh",
            faults={"slow": 1.0, "slow_seconds": DELAY},
        )
    )
    agent = Agent(reactor, pool=HTTPConnectionPool(reactor, persistent=True))

    async def search(keyword: str, client: Agent = agent) -> tuple[int, dict, float, int]:
        built = endpoints.build_call(
            endpoints.KEYWORD_SEARCH,
            {"offerQueryParam": {"keyword": keyword, "beginPage": 1, "pageSize": 5, "country": "en"}},
            gateway=sandbox.base_url,
            app_key="1000000",
        )
        form = built.signed_params(secret="sandbox-secret", access_token="token", timestamp_ms=int(time.time() * 1000))
        started = reactor.seconds()
        response = await client.request(
            b"POST",
            built.url.encode(),
            Headers({b"Content-Type": [b"application/x-www-form-urlencoded; charset=UTF-8"]}),
            FileBodyProducer(io.BytesIO(built.body(form).encode())),
        )
        handled = sandbox.gateway.counters.calls_total  # when this answer arrived
        body = await readBody(response)
        return response.code, json.loads(body), reactor.seconds() - started, handled

    answers = await defer.gatherResults([defer.Deferred.fromCoroutine(search(k)) for k in ("保温杯", "数据线", "茶具")])
    await sandbox.stop()
    try:
        await search("保温杯", Agent(reactor))
        refused_after_stop = False
    except ConnectionRefusedError:
        refused_after_stop = True
    return {
        "statuses": [code for code, _, _, _ in answers],
        "totals": [document["result"]["result"]["totalRecords"] for _, document, _, _ in answers],
        "each": [seconds for _, _, seconds, _ in answers],
        "delay": DELAY,
        "handled": [handled for _, _, _, handled in answers],
        "refused_after_stop": refused_after_stop,
        "reactor": type(reactor).__name__,
    }


def run() -> None:
    outcome: dict = {}

    def done(result: dict) -> None:
        outcome.update(result)
        reactor.stop()

    def failed(failure) -> None:
        outcome["error"] = failure.getTraceback()
        reactor.stop()

    reactor.callWhenRunning(lambda: defer.Deferred.fromCoroutine(main()).addCallbacks(done, failed))
    reactor.run()
    print(json.dumps(outcome))


if __name__ == "__main__":
    run()
