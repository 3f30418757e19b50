"""The signer is pinned by vectors computed outside this code (``openssl dgst -sha1 -hmac``),
so the sandbox, which shares it, cannot agree with a wrong implementation unnoticed."""

import pytest

from harvester.open1688 import endpoints, signing


def test_official_vector():
    params = {"b": "2", "a": "1"}
    assert signing.sign("param2/1/system/currentTime/1000000", params, "test123") == (
        "33E54F4F7B989E3E0E912D3FBD2F1A03CA7CCE88"
    )


def test_prefix_keys_sort_the_concatenated_strings_not_the_keys():
    # keys sort as a < ab, but the strings sort as "ab1" < "az"
    params = {"a": "z", "ab": "1"}
    assert signing.canonical_params(params) == "ab1az"
    assert signing.sign("param2/1/com.alibaba.product/alibaba.cross.productList/8668866", params, "sandbox-secret") == (
        "4B2027A63DF81AC869AF54855A5C1E9A6DA9EBAE"
    )


def test_chinese_json_value_signed_raw():
    call = endpoints.build_call(
        endpoints.KEYWORD_SEARCH,
        {"offerQueryParam": {"keyword": "保温杯", "beginPage": 1, "pageSize": 50, "country": "en"}},
        gateway="http://127.0.0.1:1",
        app_key="8668866",
    )
    assert call.params["offerQueryParam"] == '{"keyword":"保温杯","beginPage":1,"pageSize":50,"country":"en"}'
    form = call.signed_params(secret="sandbox-secret", access_token="TOKEN", timestamp_ms=1700000000000)
    assert form["_aop_signature"] == "60BC1B529540A5C8660BD2F9CCBBFD7FADA88D9D"


def test_json_list_value():
    call = endpoints.build_call(
        endpoints.PRODUCT_LIST,
        {"productIdList": [574325651942, 570027659932]},
        gateway="http://127.0.0.1:1",
        app_key="8668866",
    )
    form = call.signed_params(secret="sandbox-secret", access_token="TOKEN", timestamp_ms=1700000000000)
    assert form["productIdList"] == "[574325651942,570027659932]"
    assert form["_aop_signature"] == "265E673117ED878F9010A7FADFF46352B013CF17"


def test_signature_param_itself_is_not_signed():
    params = {"a": "1", "b": "2"}
    signed = dict(params, _aop_signature="whatever")
    assert signing.canonical_params(signed) == signing.canonical_params(params)


def test_verify_accepts_own_signature_and_rejects_tampering():
    params = {"a": "1", "b": "2"}
    params["_aop_signature"] = signing.sign("param2/1/system/currentTime/1000000", params, "test123")
    assert signing.verify("param2/1/system/currentTime/1000000", params, "test123")
    assert not signing.verify("param2/1/system/currentTime/1000000", dict(params, b="3"), "test123")
    assert not signing.verify("param2/1/system/currentTime/1000000", params, "wrong")


@pytest.mark.parametrize(
    "bad_path", ["/param2/1/x/y/1", "openapi/param2/1/x/y/1", "https://gw.open.1688.com/openapi/x"]
)
def test_url_path_mistakes_are_refused(bad_path):
    with pytest.raises(ValueError):
        signing.string_to_sign(bad_path, {})
