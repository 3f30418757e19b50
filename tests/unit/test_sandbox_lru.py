from harvester.sandbox.lru import LruCache


def test_forgets_the_least_recently_used_beyond_its_weight():
    cache: LruCache[str, str] = LruCache(10, weigh=len)
    cache.put("a", "1234")
    cache.put("b", "1234")
    assert cache["a"] == "1234"
    cache.put("c", "1234")
    assert "b" not in cache and "a" in cache and "c" in cache
    assert cache.weight == 8


def test_replacing_a_key_reweighs_it_and_one_heavy_entry_stays():
    cache: LruCache[str, str] = LruCache(10, weigh=len)
    cache.put("a", "12")
    cache.put("a", "1234567")
    assert cache.weight == 7 and len(cache) == 1
    cache.put("big", "x" * 50)
    assert "big" in cache and len(cache) == 1 and cache.weight == 50
    cache.clear()
    assert len(cache) == 0 and cache.weight == 0
