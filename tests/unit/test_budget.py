import os
from datetime import UTC, datetime

from harvester.quota.budget import FileBudget

DAY1 = datetime(2026, 11, 28, 12, tzinfo=UTC).timestamp()
DAY2 = datetime(2026, 11, 29, 0, 0, 1, tzinfo=UTC).timestamp()


def test_spends_up_to_the_limit(tmp_path):
    budget = FileBudget(3, tmp_path, "app1")
    assert [budget.try_spend(DAY1) for _ in range(4)] == [True, True, True, False]
    assert budget.spent(DAY1) == 3


def test_remembered_across_crawls_of_the_same_day(tmp_path):
    first = FileBudget(5, tmp_path, "app1")
    for _ in range(4):
        first.try_spend(DAY1)
    first.close()
    second = FileBudget(5, tmp_path, "app1")
    assert second.try_spend(DAY1)
    assert not second.try_spend(DAY1)


def test_new_day_new_budget(tmp_path):
    budget = FileBudget(1, tmp_path, "app1")
    assert budget.try_spend(DAY1)
    assert not budget.try_spend(DAY1)
    assert budget.try_spend(DAY2)


def test_per_app_key_and_private_file(tmp_path):
    FileBudget(1, tmp_path, "app1").try_spend(DAY1)
    assert FileBudget(1, tmp_path, "app2").try_spend(DAY1)
    (path,) = [p for p in tmp_path.iterdir() if "app1" in p.name]
    assert os.stat(path).st_mode & 0o777 == 0o600
