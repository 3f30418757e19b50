"""Fault injection: shares as configured, reproducible by seed, product APIs only, every fault counted."""

import json
from collections import Counter

import pytest

from harvester.open1688 import endpoints
from harvester.open1688 import outcomes as errors
from harvester.open1688.outcomes import Action
from harvester.sandbox import admin
from harvester.sandbox.config import ConfigError, FaultConfig
from harvester.sandbox.wire import STALL

from .sandbox_calls import APP_KEY, REFRESH, SECRET, Clock, call, make_gateway, search

SHARES = {"server_error": 0.08, "html_error": 0.04, "timeout": 0.03, "malformed": 0.05, "slow": 0.05, "qos_burst": 0.01}
CALLS = 3000


def kind_of(answer):
    """What a client would see, told apart the way the client must tell it."""
    if answer.delay == STALL:
        return "timeout"
    if answer.status >= 500 or answer.content_type.startswith("text/html"):
        return "5xx/html"
    if answer.status == 400:
        return answer.json()["error_code"]
    try:
        json.loads(answer.body)
    except ValueError:
        return "malformed"
    return "slow" if answer.delay else "ok"


def run(gateway, clock, calls=CALLS):
    seen = []
    for _ in range(calls):
        clock.advance(0.01)
        seen.append(search(gateway, keyword="茶具", pageSize=1))
    return seen


@pytest.fixture
def clock():
    return Clock()


def test_shares_close_to_configured(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, faults={"seed": 7, "qos_burst_length": 4, **SHARES})
    seen = Counter(kind_of(answer) for answer in run(gateway, clock))
    faults = gateway.state()["faults"]
    for name, share in SHARES.items():
        expected = share * CALLS * (4 if name == "qos_burst" else 1)
        assert abs(faults[name] - expected) < 4 * (expected**0.5) + 5, (name, faults[name], expected)
    assert seen["timeout"] == faults["timeout"]
    assert seen["malformed"] == faults["malformed"] and seen["slow"] == faults["slow"]
    assert seen["5xx/html"] == faults["server_error"] + faults["html_error"]
    assert seen["gw.QosAppFrequencyLimit"] == faults["qos_burst"]
    by_code = gateway.state()["calls_by_code"]
    assert by_code["ok"] == seen["ok"]
    for name in SHARES:
        assert by_code[f"fault.{name}"] == faults[name], "every injected fault is counted by its own code"


def test_same_seed_same_faults_other_seed_other_faults(sandbox_catalogue):
    def sequence(seed):
        clock = Clock()
        gateway = make_gateway(sandbox_catalogue, clock, faults={"seed": seed, **SHARES})
        return [kind_of(answer) for answer in run(gateway, clock, 400)]

    assert sequence(3) == sequence(3)
    assert sequence(3) != sequence(4)


def test_fault_bodies_classify_as_transient(sandbox_catalogue, clock):
    gateway = make_gateway(
        sandbox_catalogue, clock, faults={"seed": 1, "server_error": 0.3, "html_error": 0.2, "malformed": 0.2}
    )
    statuses = Counter()
    for answer in run(gateway, clock, 300):
        if kind_of(answer) in ("5xx/html", "malformed"):
            statuses[answer.status] += 1
            outcome = errors.classify(
                answer.status,
                answer.body,
                headers={"Content-Type": answer.content_type},
                endpoint=endpoints.KEYWORD_SEARCH,
            )
            assert outcome.action is Action.RETRY, (answer.status, answer.body[:80])
    assert {500, 502, 503, 504, 200} <= set(statuses)


def test_slow_and_stalled_answers(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, faults={"slow": 0.5, "timeout": 0.5, "slow_seconds": 3})
    delays = {answer.delay for answer in run(gateway, clock, 50)}
    assert delays == {3.0, STALL}


def test_qos_bursts(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, faults={"seed": 2, "qos_burst": 0.05, "qos_burst_length": 6})
    kinds = [kind_of(answer) for answer in run(gateway, clock, 400)]
    runs, current = [], 0
    for kind in kinds + ["ok"]:
        if kind == "gw.QosAppFrequencyLimit":
            current += 1
        elif current:
            runs.append(current)
            current = 0
    assert runs and all(length % 6 == 0 for length in runs)
    assert gateway.budget.used == kinds.count("ok"), "refused calls cost nothing"


def test_tokens_expire_at_the_configured_calls(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, faults={"expire_tokens_after": [5, 12]})
    token = None
    statuses = []
    for _ in range(15):
        answer = call(
            gateway,
            endpoints.KEYWORD_SEARCH,
            {"offerQueryParam": {"keyword": "茶具", "country": "en"}},
            token=token or "sandbox-access-token",
        )
        statuses.append(answer.status)
        if answer.status == 401:
            refreshed = call(
                gateway,
                endpoints.GET_TOKEN,
                {
                    "grant_type": "refresh_token",
                    "client_id": APP_KEY,
                    "client_secret": SECRET,
                    "refresh_token": REFRESH,
                },
                token=None,
            )
            token = refreshed.json()["access_token"]
    assert [i + 1 for i, status in enumerate(statuses) if status == 401] == [5, 12]
    assert gateway.state()["faults"] == {"token_expiry": 2}


def test_faults_spare_oauth_and_system_apis(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock, faults={"server_error": 1.0})
    assert search(gateway).status >= 500
    assert call(gateway, endpoints.CURRENT_TIME, {}, token=None).status == 200
    refreshed = call(
        gateway,
        endpoints.GET_TOKEN,
        {"grant_type": "refresh_token", "client_id": APP_KEY, "client_secret": SECRET, "refresh_token": REFRESH},
        token=None,
    )
    assert refreshed.status == 200
    assert admin.handle(gateway, "GET", "/_sandbox/stats", b"").status == 200


def test_faults_can_be_switched_at_run_time(sandbox_catalogue, clock):
    gateway = make_gateway(sandbox_catalogue, clock)
    assert search(gateway).status == 200
    gateway.configure({"faults": {"server_error": 1.0}})
    assert search(gateway).status >= 500
    gateway.configure({"faults": {"server_error": 0.0}})
    assert search(gateway).status == 200


@pytest.mark.parametrize(
    "bad", [{"server_error": 1.5}, {"server_error": 0.6, "slow": 0.6}, {"nonsense": 1}, {"qos_burst_length": 0}]
)
def test_bad_fault_configs_are_refused(bad):
    with pytest.raises(ConfigError):
        FaultConfig.from_dict(bad)


def test_a_fault_on_a_refused_call_is_not_counted(sandbox_catalogue, clock):
    """The soak compares injected faults with the client's retries: a drawn fault the client never met
    (the call was refused for an expired token first) must not be counted as injected."""
    gateway = make_gateway(sandbox_catalogue, clock, faults={"malformed": 1.0, "expire_tokens_after": [1]})
    answer = search(gateway, keyword="茶具", pageSize=1)
    assert answer.status == 401
    assert gateway.state()["faults"].get("malformed", 0) == 0
