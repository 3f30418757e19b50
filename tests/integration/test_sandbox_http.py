"""The sandbox over real loopback HTTP, driven the way a client drives the real gateway."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from harvester.open1688 import endpoints
from harvester.open1688 import outcomes as errors
from harvester.open1688.outcomes import Action
from harvester.sandbox.catalogue import DOCUMENTED_KEYWORDS
from harvester.sandbox.process import SandboxAdmin, SandboxProcess
from tests.support.crawls import PATIENCE, wait_until

from .sandbox_client import Client

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(sandbox: SandboxProcess) -> Client:
    return Client(sandbox.base_url, sandbox.credentials)


def result(response: requests.Response) -> dict[str, Any]:
    return response.json()["result"]["result"]


def number(value: Any) -> int:
    """A whole number as the wire sends it (a JSON number, or a string for many answers)."""
    return int(value)


def test_keyword_search_pages_to_the_cap(client):
    seen = []
    for page in range(1, 43):
        answer = result(client.search(beginPage=page))
        assert tuple(number(answer[key]) for key in ("totalRecords", "totalPage", "pageSize")) == (2000, 41, 50)
        seen.append([number(item["offerId"]) for item in answer["data"]])
    assert [len(ids) for ids in seen] == [50] * 40 + [0, 0]
    flat = [offer_id for ids in seen for offer_id in ids]
    assert len(set(flat)) == 2_000


def test_price_bands_split_a_query_past_the_cap(client):
    client.admin.config(search_cap=30_000)
    low = number(result(client.search(priceEnd="12"))["totalRecords"])
    high = number(result(client.search(priceStart="12.0001"))["totalRecords"])
    assert low + high == 25_000 and low < 2_000 * 5
    client.admin.config(search_cap=2_000)
    capped = [number(result(client.search(**band))["totalRecords"]) for band in ({}, {"priceEnd": "12"})]
    assert capped == [2000, 2000], "past the cap every total says the cap: only splitting finds the truth"


def test_get_and_post_give_the_same_answer(client):
    params = {
        "offerQueryParam": {
            "keyword": "数据线",
            "beginPage": 3,
            "pageSize": 20,
            "country": "en",
            "sort": '{"price":"asc"}',
            "filter": "isOnePsale",
        }
    }
    posted = client.call(endpoints.KEYWORD_SEARCH, params)
    got = client.call(endpoints.KEYWORD_SEARCH, params, method="GET")
    assert posted.status_code == got.status_code == 200
    assert posted.content == got.content
    prices = [float(item["priceInfo"]["price"]) for item in result(got)["data"]]
    assert prices == sorted(prices) and all(item.get("isOnePsale", True) for item in result(got)["data"])


def test_product_list_answers_the_listing_relation_only(client):
    ids = [number(item["offerId"]) for item in result(client.search(keyword="茶具", pageSize=5))["data"]]
    client.admin.config(listed_offers=ids[:3])
    answer = client.call(endpoints.PRODUCT_LIST, {"productIdList": ids[:4] + [600000000001]})
    document = answer.json()
    assert [item["productID"] for item in document["productList"]] == ids[:3]
    assert document["message"] == f"{ids[3]}:商品不存在,600000000001:商品不存在"
    outcome = errors.classify(answer.status_code, answer.content, endpoint=endpoints.PRODUCT_LIST)
    assert outcome.ok and set(outcome.item_failures) == {ids[3], 600000000001}
    assert client.admin.stats()["detail_served_total"] == 0


def test_detail(client):
    offer_id = result(client.search(keyword="算盘", pageSize=1))["data"][0]["offerId"]
    detail = result(client.call(endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": offer_id, "country": "en"}}))
    assert number(detail["offerId"]) == number(offer_id) and detail["sellerOpenId"].startswith("BBB")
    missing = client.call(endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": 600000000001, "country": "en"}})
    assert missing.status_code == 200 and missing.json()["result"]["message"] == "商品不存在"


def gateway_error(response: requests.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error_code"]


def test_every_gateway_error_over_http(client):
    base, key = client.base_url, client.credentials.app_key
    api = "param2/1/com.alibaba.fenxiao.crossborder/product.search.keywordQuery"
    assert gateway_error(client.session.post(f"{base}/openapi/{api}", data={})) == (400, "gw.AppKeyMissing")
    assert gateway_error(client.session.post(f"{base}/openapi/{api}/9{key}", data={})) == (400, "gw.AppKeyNotExist")
    assert gateway_error(
        client.session.post(f"{base}/openapi/param2/1/com.alibaba.product/alibaba.product.batchGet/{key}", data={})
    ) == (400, "gw.APIUnsupported")
    assert gateway_error(client.session.post(f"{base}/openapi/{api}/{key}", data={"access_token": "x"})) == (
        400,
        "gw.SignatureMissing",
    )
    wrong_secret = client.call(
        endpoints.KEYWORD_SEARCH, {"offerQueryParam": {"keyword": "茶具", "country": "en"}}, secret="wrong"
    )
    assert gateway_error(wrong_secret) == (400, "gw.SignatureInvalid")
    unauthorized = client.call(endpoints.KEYWORD_SEARCH, {"offerQueryParam": {"keyword": "茶具"}}, token="nope")
    assert unauthorized.status_code == 401
    assert unauthorized.json()["error_message"] == "Request need user authorized"
    built = endpoints.build_call(endpoints.CURRENT_TIME, {}, gateway=base, app_key=key)
    form = built.signed_params(
        secret=client.credentials.app_secret, access_token=None, timestamp_ms=int(time.time() * 1000)
    )
    now = client.session.post(built.url, data=form)
    assert now.status_code == 200 and now.json().endswith("+0800"), "currentTime is a bare string"

    client.admin.config(acl_deny=["product.search.queryProductDetail"])
    denied = client.call(endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": 1, "country": "en"}})
    assert gateway_error(denied) == (400, "gw.APIACLDecline")
    client.admin.config(acl_deny=[], budget=1)
    assert client.search(keyword="茶具").status_code == 200
    assert gateway_error(client.search(keyword="茶具")) == (400, "gw.NoUsageLeftError")
    # One call per 1,000 s: the calls after the first are refused however slowly a loaded machine sends them.
    client.admin.config(budget=0, qps=0.001)
    statuses = [client.search(keyword="茶具").status_code for _ in range(6)]
    assert statuses == [200] + [400] * 5
    stats = client.admin.stats()
    assert stats["calls_by_code"]["gw.QosAppFrequencyLimit"] == 5
    # The same for one API's own limit: one keywordQuery per 1,000 s.
    client.admin.config(qps=0, api_qps={"product.search.keywordQuery": 0.001})
    statuses = [client.search(keyword="茶具").status_code for _ in range(4)]
    assert statuses == [200] + [400] * 3
    assert client.admin.stats()["calls_by_code"]["gw.QosApiFrequencyLimit"] == 3
    client.admin.config(api_qps={}, faults={"isp_timeout": 1.0})
    isp = client.search(keyword="茶具")
    assert gateway_error(isp) == (500, "gw.ISPInvokeTimeout")
    client.admin.config(faults={"isp_timeout": 0.0})
    stats = client.admin.stats()
    for code in (
        "gw.AppKeyMissing",
        "gw.AppKeyNotExist",
        "gw.APIUnsupported",
        "gw.SignatureMissing",
        "gw.SignatureInvalid",
        "401",
        "gw.APIACLDecline",
        "gw.NoUsageLeftError",
        "gw.QosApiFrequencyLimit",
        "fault.isp_timeout",
    ):
        assert stats["calls_by_code"][code] >= 1, code


def test_business_error_over_http(client):
    answer = client.search(pageSize=51)
    assert answer.status_code == 200
    assert errors.classify(200, answer.content, endpoint=endpoints.KEYWORD_SEARCH).action is Action.FAILED


def test_oauth_round_trip(client):
    credentials, base = client.credentials, client.base_url
    redirect = "http://127.0.0.1:1/callback"
    authorised = client.session.get(
        f"{base}/oauth/authorize",
        params={"client_id": credentials.app_key, "site": "1688", "redirect_uri": redirect, "state": "s1"},
        allow_redirects=False,
    )
    assert authorised.status_code == 302
    query = parse_qs(urlsplit(authorised.headers["Location"]).query)
    assert query["state"] == ["s1"]
    form = {
        "grant_type": "authorization_code",
        "need_refresh_token": "true",
        "client_id": credentials.app_key,
        "client_secret": credentials.app_secret,
        "redirect_uri": redirect,
        "code": query["code"][0],
    }
    token_url = endpoints.GET_TOKEN.url(base, credentials.app_key)
    tokens = client.session.post(token_url, data=form).json()
    assert tokens["expires_in"] == "36000" and all(isinstance(v, str) for v in tokens.values())
    assert client.session.post(token_url, data=form).json()["error"] == "invalid_grant", "codes are single-use"

    assert client.search(keyword="茶具").status_code == 200
    assert (
        client.call(
            endpoints.KEYWORD_SEARCH,
            {"offerQueryParam": {"keyword": "茶具", "country": "en"}},
            token=tokens["access_token"],
        ).status_code
        == 200
    )
    refreshed = client.session.post(
        token_url,
        data={
            "grant_type": "refresh_token",
            "client_id": credentials.app_key,
            "client_secret": credentials.app_secret,
            "refresh_token": tokens["refresh_token"],
        },
    ).json()
    assert refreshed["access_token"] != tokens["access_token"] and "refresh_token" not in refreshed

    postpone = {
        "client_id": credentials.app_key,
        "client_secret": credentials.app_secret,
        "refresh_token": tokens["refresh_token"],
        "access_token": refreshed["access_token"],
    }
    early = client.call(endpoints.POSTPONE_TOKEN, postpone)
    assert early.status_code == 400 and early.json()["error"] == "invalid_request"
    client.admin.config(postpone_window=365 * 86_400)
    postponed = client.call(endpoints.POSTPONE_TOKEN, postpone).json()
    assert postponed["refresh_token"] not in (tokens["refresh_token"], None)


def test_expired_tokens_and_refresh(client):
    assert client.search(keyword="茶具").status_code == 200
    client.admin.expire_tokens()
    assert client.search(keyword="茶具").status_code == 401
    refreshed = client.session.post(
        endpoints.GET_TOKEN.url(client.base_url, client.credentials.app_key),
        data={
            "grant_type": "refresh_token",
            "client_id": client.credentials.app_key,
            "client_secret": client.credentials.app_secret,
            "refresh_token": client.credentials.refresh_token,
        },
    ).json()
    client.token = refreshed["access_token"]
    assert client.search(keyword="茶具").status_code == 200


def test_image_download_upload_and_search(client):
    client.admin.config(image_host="sandbox", video_host="sandbox")
    offer_id = number(result(client.search(keyword="手机壳", pageSize=1, beginPage=7))["data"][0]["offerId"])
    client.admin.config(listed_offers=[offer_id])
    detail = result(client.call(endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": offer_id, "country": "en"}}))
    url = detail["productImage"]["images"][1]
    assert url.startswith(client.base_url + "/img/ibank/")
    picture = client.session.get(url)
    assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/jpeg"
    assert client.session.get(url, headers={"Referer": "https://example.com/"}).status_code == 403
    assert client.session.get(url, headers={"Referer": "https://detail.1688.com/offer/1.html"}).status_code == 200
    relative = client.call(endpoints.PRODUCT_LIST, {"productIdList": [offer_id]}).json()["productList"][0]
    assert client.session.get(f"{client.base_url}/{relative['image']['images'][0]}").status_code == 200

    uploaded = client.call(
        endpoints.IMAGE_UPLOAD, {"uploadImageParam": {"imageBase64": base64.b64encode(picture.content).decode()}}
    )
    image_id = uploaded.json()["result"]["result"]
    found = result(
        client.call(
            endpoints.IMAGE_SEARCH,
            {"offerQueryParam": {"imageId": image_id, "beginPage": 1, "pageSize": 20, "country": "en"}},
        )
    )
    assert number(found["data"][0]["offerId"]) == offer_id
    assert number(found["totalRecords"]) == min(2000, DOCUMENTED_KEYWORDS["手机壳"])
    assert client.admin.stats()["images_served"] >= 3


def test_videos_download_like_images(client):
    client.admin.config(video_host="sandbox")
    for item in result(client.search(keyword="风筝"))["data"]:
        detail = result(
            client.call(endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": item["offerId"], "country": "en"}})
        )
        if detail.get("mainVideo"):
            break
    else:
        pytest.fail("no 风筝 offer of the first page has a main video")
    url = detail["mainVideo"]
    assert url.startswith(client.base_url + "/play/")
    video = client.session.get(url, headers={"Referer": "https://detail.1688.com/offer/1.html"})
    assert video.status_code == 200 and video.headers["Content-Type"] == "video/mp4"
    assert video.content[4:8] == b"ftyp"
    assert client.session.get(url, headers={"Referer": "https://example.com/"}).status_code == 403
    assert client.admin.stats()["videos_served"] == 1


def test_admin_endpoints(client):
    admin = client.admin
    client.search(keyword="茶具")
    stats = admin.stats()
    assert stats["calls_total"] == 1 and stats["calls_by_api"] == {"product.search.keywordQuery": 1}
    assert admin.reset()["calls_total"] == 0
    assert admin.config(search_cap=100)["search_cap"] == 100
    assert number(result(client.search())["totalPage"]) == 3, "min(ceil(25000/50), 100 // 50 + 1)"
    assert admin.drift() == 1 and admin.drift(2) == 3 and admin.stats()["epoch"] == 3
    log = admin.drift_log(keyword="算盘")
    assert (log["from"], log["to"], log["offers"], log["scope"]) == (0, 3, 60, {"keyword": "算盘"})
    assert all(event["epoch"] in (1, 2, 3) for event in log["events"])
    assert admin.drift_log(2, 3, cursor=0, limit=10)["next_cursor"] == 10
    assert admin.credentials() == client.credentials
    assert admin.expire_tokens()["access_tokens"] >= 1
    bad = client.session.post(f"{client.base_url}/_sandbox/config", json={"offers": 5})
    assert bad.status_code == 400 and "cannot change" in bad.json()["error"]
    assert client.session.get(f"{client.base_url}/_sandbox/nothing").status_code == 404


def test_slow_and_stalled_answers(client):
    admin = client.admin
    admin.config(faults={"slow": 1.0, "slow_seconds": 0.4})
    started = time.perf_counter()
    assert client.search(keyword="茶具").status_code == 200
    assert time.perf_counter() - started >= 0.4
    admin.config(faults={"slow": 0.0, "timeout": 1.0, "stall_seconds": 30})
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.call(endpoints.KEYWORD_SEARCH, {"offerQueryParam": {"keyword": "茶具", "country": "en"}}, timeout=0.5)
    admin.config(faults={"timeout": 0.0})
    assert client.search(keyword="茶具").status_code == 200, "a stalled request does not block the others"
    assert admin.stats()["faults"] == {"slow": 1, "timeout": 1}


def test_held_calls_wait_unhandled_until_released(client):
    admin = client.admin
    offer_id = int(result(client.search(keyword="茶具", pageSize=1))["data"][0]["offerId"])
    admin.config(hold=["product_detail"])
    with ThreadPoolExecutor(max_workers=2) as pool:
        held = pool.submit(
            client.call, endpoints.PRODUCT_DETAIL, {"offerDetailParam": {"offerId": offer_id, "country": "en"}}
        )
        wait_until(lambda: admin.stats()["held_now"] == 1, "the sandbox holds the detail call")
        assert client.search(keyword="茶具").status_code == 200, "other APIs are answered meanwhile"
        stats = admin.stats()
        assert stats["calls_by_api"] == {"product.search.keywordQuery": 2}, "a held call is not handled yet"
        assert stats["detail_served_total"] == 0 and not held.done()
        admin.config(hold=[])
        answer = held.result(timeout=PATIENCE)
    assert answer.status_code == 200
    assert int(answer.json()["result"]["result"]["offerId"]) == offer_id
    stats = admin.stats()
    assert (stats["held_now"], stats["detail_served_total"]) == (0, 1)


def test_a_held_call_whose_client_left_is_never_handled(client):
    admin = client.admin
    admin.config(hold=["alibaba.cross.productList"])
    with pytest.raises(requests.exceptions.ReadTimeout):  # held until released: the client gives up first
        client.call(endpoints.PRODUCT_LIST, {"productIdList": [1]}, timeout=0.5)
    wait_until(lambda: admin.stats()["held_now"] == 0, "the sandbox notices the client left")
    admin.config(hold=[])
    assert admin.stats()["calls_total"] == 0


def test_scrapy_sandbox_command_runs_in_the_asyncio_reactor():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scrapy.cmdline",
            "sandbox",
            "--port",
            "0",
            "--json",
            "--offers",
            "5000",
            "--app-key",
            "1000000",
            "--app-secret",
            "sandbox-secret",
            "-s",
            "OPEN1688_SANDBOX_SEARCH_CAP=100",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        announced = json.loads(process.stdout.readline())
        assert announced["reactor"] == "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
        assert announced["offers"] == 5000
        client = Client(announced["base_url"], SandboxAdmin(announced["base_url"]).credentials())
        assert client.credentials.app_key == "1000000"
        assert client.admin.config()["search_cap"] == 100
        assert number(result(client.search(keyword="保温杯", pageSize=10))["totalRecords"]) == 100, "the cap"
        client.admin.config(faults={"slow": 1.0, "slow_seconds": 0.2})
        started = time.perf_counter()
        assert client.search(keyword="保温杯").status_code == 200
        assert time.perf_counter() - started >= 0.2, "delays are callLater calls in the asyncio reactor"
    finally:
        process.terminate()
        process.wait(timeout=PATIENCE)
        process.stdout.close()
