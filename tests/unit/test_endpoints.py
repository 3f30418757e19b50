import pytest

from harvester.open1688 import endpoints


def test_url_layout():
    e = endpoints.KEYWORD_SEARCH
    assert e.url("https://gw.open.1688.com/", "123") == (
        "https://gw.open.1688.com/openapi/param2/1/com.alibaba.fenxiao.crossborder/product.search.keywordQuery/123"
    )
    assert endpoints.GET_TOKEN.url_path("123") == "http/1/system.oauth2/getToken/123"


def test_missing_app_key_says_how_to_set_it():
    with pytest.raises(ValueError, match="OPEN1688_APP_KEY"):
        endpoints.KEYWORD_SEARCH.url_path("")


def test_encoding():
    assert endpoints.encode_params({"a": True, "b": 3, "c": None, "d": {"k": "数据线"}, "e": [1, 2]}) == {
        "a": "true",
        "b": "3",
        "d": '{"k":"数据线"}',
        "e": "[1,2]",
    }


def test_unsigned_endpoint_gets_no_signature():
    call = endpoints.build_call(endpoints.GET_TOKEN, {"grant_type": "refresh_token"}, gateway="http://x", app_key="1")
    form = call.signed_params(secret="s", access_token=None, timestamp_ms=1)
    assert form == {"grant_type": "refresh_token"}


def test_token_required_for_business_apis():
    call = endpoints.build_call(endpoints.PRODUCT_LIST, {"productIdList": [1]}, gateway="http://x", app_key="1")
    with pytest.raises(ValueError, match="scrapy auth"):
        call.signed_params(secret="s", access_token="", timestamp_ms=1)


def test_business_params_unchanged_by_signing():
    call = endpoints.build_call(endpoints.PRODUCT_LIST, {"productIdList": [1]}, gateway="http://x", app_key="1")
    call.signed_params(secret="s", access_token="t", timestamp_ms=1)
    assert call.params == {"productIdList": "[1]"}


def test_catalogue_is_indexed_by_path():
    for endpoint in endpoints.CATALOGUE.values():
        key = (endpoint.protocol, endpoint.version, endpoint.namespace, endpoint.name)
        assert endpoints.BY_PATH[key] is endpoint
