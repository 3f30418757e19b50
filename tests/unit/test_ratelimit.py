import pytest

from harvester.quota.pace import Aimd, Gcra


def test_gcra_spaces_calls_exactly():
    limiter = Gcra(10)
    waits = [limiter.reserve(100.0) for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


def test_gcra_sends_at_once_after_idle():
    limiter = Gcra(10)
    limiter.reserve(0.0)
    assert limiter.reserve(5.0) == 0.0


def test_gcra_burst():
    limiter = Gcra(10, burst=3)
    waits = [limiter.reserve(0.0) for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.0, 0.0, 0.1])


def test_gcra_rate_over_a_long_run_is_the_rate():
    limiter = Gcra(50)
    now, sent = 0.0, 0
    while now < 10.0:
        wait = limiter.reserve(now)
        now += wait
        sent += 1
    assert sent == pytest.approx(500, abs=2)  # float steps of 0.02 land a call or two either side of 10 s


def test_pause_until():
    limiter = Gcra(10)
    limiter.pause_until(3.0)
    assert limiter.reserve(1.0) == pytest.approx(2.0)


def test_aimd_halves_once_per_cooldown_and_recovers():
    limiter = Gcra(20)
    aimd = Aimd(limiter, 20, recovery=10.0, cooldown=1.0, decrease=0.5)
    assert aimd.throttled(0.0)
    assert aimd.rate == 10
    assert not aimd.throttled(0.5)  # same burst
    assert aimd.rate == 10
    aimd.succeeded(5.5)  # five seconds after the last complaint: half of the target is won back
    assert aimd.rate == pytest.approx(20)
    assert limiter.rate == pytest.approx(20)


def test_aimd_never_below_floor():
    aimd = Aimd(Gcra(1), 1, floor=0.2)
    for t in range(10):
        aimd.throttled(float(t * 2))
    assert aimd.rate == pytest.approx(0.2)


def test_aimd_retry_after_pauses():
    limiter = Gcra(10)
    aimd = Aimd(limiter, 10)
    aimd.throttled(0.0, retry_after=4.0)
    assert limiter.reserve(0.0) == pytest.approx(4.0)


def test_send_window_holds_back_a_bunch():
    from harvester.quota.pace import SendWindow

    window = SendWindow(3, 1.0)
    for t in (0.0, 0.1, 0.2):
        assert window.wait(t) == 0
        window.record(t)
    assert window.wait(0.25) == pytest.approx(0.75)
    assert window.wait(1.0) == 0
