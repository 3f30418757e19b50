"""alibaba.category.get, category.translation.getById/getByKeyword and product.search.topKeyword: the tree behind
the category ids of search items and details, its names, and keywords that harvest a category."""

import pytest

from harvester.open1688 import endpoints
from harvester.sandbox import vocabulary

from .sandbox_calls import business, call, make_gateway, search


@pytest.fixture
def gateway(sandbox_catalogue):
    return make_gateway(sandbox_catalogue)


def category(gateway, category_id, **kwargs):
    return call(gateway, endpoints.CATEGORY, {"categoryID": category_id}, **kwargs).json()


def walk(gateway):
    """The tree as alibaba.category.get's page says to walk it: 0, then each level's children, three levels."""
    tree, queue = {}, [0]
    while queue:
        info = category(gateway, queue.pop(0), token=None)["categoryInfo"]
        assert len(info) == 1
        node = info[0]
        tree[node["categoryID"]] = node
        queue.extend(child["id"] for child in node["childCategorys"])
    return tree


def test_walking_the_tree_from_the_root_finds_every_category_in_three_levels(gateway):
    tree = walk(gateway)
    leaves = {node_id for node_id, node in tree.items() if node["isLeaf"]}
    assert leaves == {leaf.id for leaf in vocabulary.LEAF_CATEGORIES}
    assert set(tree) - leaves - {0} == set(vocabulary.TOP_CATEGORIES) | set(vocabulary.SECOND_CATEGORIES)

    def depth(node_id):
        parents = tree[node_id]["parentIDs"]
        return 0 if not parents else 1 + depth(parents[0])

    assert {depth(node_id) for node_id in leaves} == {3}
    for node_id, node in tree.items():
        assert node["categoryType"] == "1" and node["minOrderQuantity"] == 1 and "level" not in node
        for child in node["childCategorys"]:
            assert tree[child["id"]]["parentIDs"] == [node_id] and child["name"] == tree[child["id"]]["name"]
        assert node["isSupportProcessing"] == bool(node["featureInfos"])
    assert tree[0]["name"] == "根类目" and tree[0]["parentIDs"] == []
    assert any(node["isSupportProcessing"] for node in tree.values())


def test_search_items_and_details_carry_paths_of_the_tree(gateway):
    tree = walk(gateway)
    for keyword in ("保温杯", "T恤", "风筝", "不锈钢"):
        for item in business(search(gateway, keyword))["result"]["data"]:
            if "thirdCategoryId" not in item:
                continue
            third, second, top = (int(item[key]) for key in ("thirdCategoryId", "secondCategoryId", "topCategoryId"))
            assert tree[third]["parentIDs"] == [second] and tree[second]["parentIDs"] == [top]
            assert tree[top]["parentIDs"] == [0] and tree[third]["isLeaf"]
            assert keyword in item["subject"] or keyword == "不锈钢" or tree[third]["name"] in item["subject"]


def test_category_get_refusals(gateway):
    unknown = category(gateway, 99)
    assert unknown == {"succes": "false", "errorCode": "500_1", "errorMsg": "类目不存在 (no category 99)"}
    assert category(gateway, -1)["errorCode"] == "INVALID_PARAMETER"
    missing = call(gateway, endpoints.CATEGORY, {}).json()
    assert missing["succes"] == "false" and "categoryID" in missing["errorMsg"]
    assert category(gateway, 7, token="expired-or-unknown")["succes"] == "true", "no user authorisation needed"


def translation(gateway, category_id, language="en"):
    return business(call(gateway, endpoints.CATEGORY_TRANSLATION, {"language": language, "categoryId": category_id}))


def test_translation_by_id(gateway, sandbox_catalogue):
    offer = sandbox_catalogue.offer(sandbox_catalogue.search(keyword="保温杯")[0])
    leaf = translation(gateway, offer.category.id)["result"]
    assert (leaf["chineseName"], leaf["translatedName"], leaf["language"]) == ("保温杯", "Insulated Cup", "en")
    assert (leaf["leaf"], leaf["level"], leaf["parentCateId"], leaf["children"]) == ("true", "3", "1501", [])
    second = translation(gateway, offer.category.second_id)["result"]
    assert (second["translatedName"], second["leaf"], second["parentCateId"]) == ("Drinkware", "false", "15")
    children = second["children"]
    assert [child["chineseName"] for child in children] == ["保温杯", "玻璃杯", "运动水壶", "茶具"]
    assert all(child["leaf"] is True and child["parentCateId"] == 1501 and child["level"] == "3" for child in children)
    root = translation(gateway, 0)["result"]
    assert root["level"] == "0" and len(root["children"]) == len(vocabulary.TOP_CATEGORIES)
    japanese = translation(gateway, offer.category.id, "ja")["result"]
    assert (japanese["translatedName"], japanese["language"]) == ("Insulated Cup", "en"), "English, and says so"
    assert translation(gateway, offer.category.id, "zh")["result"]["translatedName"] == "保温杯"
    assert translation(gateway, 99)["code"] == "CATEGORY_NOT_FOUND"
    assert translation(gateway, 7, "english")["code"] == "INVALID_PARAMETER"


def test_translation_in_the_shape_of_the_pages_sample(gateway):
    gateway.configure({"category_translation_shape": "sample"})
    answer = call(gateway, endpoints.CATEGORY_TRANSLATION, {"language": "ja", "categoryId": 1501}).json()
    assert set(answer) == {"success", "code", "message", "result"} and answer["code"] == "S0000"
    assert (answer["result"]["leaf"], answer["result"]["parentCateId"]) == (False, 15)
    leaf = call(gateway, endpoints.CATEGORY_TRANSLATION, {"language": "ja", "categoryId": 122916001}).json()
    assert leaf["result"]["children"] is None and leaf["result"]["leaf"] is True
    refused = call(gateway, endpoints.CATEGORY_TRANSLATION, {"language": "ja", "categoryId": 99}).json()
    assert set(refused) == {"success", "code", "message"} and refused["code"] == "CATEGORY_NOT_FOUND"


def test_translation_by_keyword(gateway):
    def names(text, language="en"):
        found = business(call(gateway, endpoints.CATEGORY_SEARCH, {"language": language, "cateName": text}))["result"]
        assert [entry["categoryId"] for entry in found] == sorted(entry["categoryId"] for entry in found)
        return [entry["chineseName"] for entry in found]

    assert names("杯") == ["保温杯", "玻璃杯"]
    assert names("CUP") == ["保温杯", "玻璃杯"], "the translated name, case folded"
    assert names("玩具") == ["玩具", "玩具", "毛绒玩具"], "a level-1, a level-2 and a leaf category"
    assert names("靴", "ja") == ["鞋靴箱包"] and names("帽子") == []
    blank = business(call(gateway, endpoints.CATEGORY_SEARCH, {"language": "en", "cateName": " "}))
    assert blank["code"] == "INVALID_PARAMETER"


def top_keywords(gateway, source, **extra):
    query = {"country": "en", "sourceId": str(source), "hotKeywordType": "cate", **extra}
    return business(call(gateway, endpoints.TOP_KEYWORDS, {"topSeKeywordParam": query}, token=None))


def test_hot_keywords_are_found_in_their_category_and_cover_it(gateway, sandbox_catalogue):
    answer = top_keywords(gateway, 12701)
    assert answer["success"] == "true"
    keywords = answer["result"]
    assert {"气球", "仿真花", "相框"} <= {entry["seKeyword"] for entry in keywords} and 3 < len(keywords) <= 20
    found = set()
    for entry in keywords:
        page = business(search(gateway, entry["seKeyword"], categoryId=12701, keywordTranslate=True))["result"]
        assert int(page["totalRecords"]) > 0, entry
        found.update(sandbox_catalogue.search(keyword=entry["seKeyword"], category_ids=[12701]))
    assert found == set(sandbox_catalogue.search(category_ids=[12701])), "searching the list covers the category"
    english = {entry["seKeyword"]: entry["seKeywordTranslation"] for entry in keywords}
    assert english["气球"] == "Balloon" and english["生日气球"] == "Birthday Balloon"


def test_hot_keywords_limit_and_refusals(gateway):
    gateway.configure({"top_keyword_limit": 1})
    assert [entry["seKeyword"] for entry in top_keywords(gateway, 12701)["result"]] == ["气球", "仿真花", "相框"], (
        "every leaf's own term, however small the limit"
    )
    assert top_keywords(gateway, 424242)["result"] == []
    assert top_keywords(gateway, 12701, hotKeywordType="offer")["code"] == "INVALID_PARAMETER"
    assert top_keywords(gateway, "toys")["code"] == "INVALID_PARAMETER"


@pytest.mark.parametrize(
    "endpoint",
    [
        endpoints.FREIGHT_ESTIMATE,
        endpoints.SELL_TREND,
        endpoints.PRICE_TREND,
        endpoints.REPURCHASE_TREND,
        endpoints.CATEGORY,
        endpoints.CATEGORY_TRANSLATION,
        endpoints.CATEGORY_SEARCH,
        endpoints.TOP_KEYWORDS,
    ],
)
def test_each_new_api_is_granted_counted_budgeted_and_faulted_like_the_others(sandbox_catalogue, endpoint):
    gateway = make_gateway(sandbox_catalogue, budget=2, acl_deny=[endpoint.key])
    assert call(gateway, endpoint, {}).json()["error_code"] == "gw.APIACLDecline"
    gateway.configure({"acl_deny": [endpoint.name]})
    assert call(gateway, endpoint, {}).json()["error_code"] == "gw.APIACLDecline"
    gateway.configure({"acl_deny": [], "faults": {"isp_error": 1.0}})
    faulted = call(gateway, endpoint, {})
    assert (faulted.status, faulted.json()["error_code"]) == (500, "gw.ISPInvokeError")
    gateway.configure({"faults": {"isp_error": 0.0}})
    assert call(gateway, endpoint, {}).status == 200 and call(gateway, endpoint, {}).status == 200
    spent = call(gateway, endpoint, {})
    assert (spent.status, spent.json()["error_code"]) == (400, "gw.NoUsageLeftError")
    assert gateway.state()["calls_by_api"] == {endpoint.name: 6}
    unknown_token = call(gateway, endpoint, {}, token="unknown")
    assert (unknown_token.status == 401) == endpoint.needs_token, "a token sent to a token-free API is not looked at"
