"""Mainland China's administrative codes (GB/T 2260) the sandbox knows, for ``product.freight.estimate``.

A small real subset: the 31 provinces (municipalities and autonomous
regions), each with its capital city and one or more of the capital's
districts, plus the cities and districts most of the catalogue's sellers
ship from (义乌市 330782, 宝安区 440306...; 东莞's towns have no district
code, and 白沟新城 is not a district). The page's own example (浙江省
330000, 杭州市 330100, 滨江区 330108) is in it. A code outside the table is refused, as the gateway
refuses a bad address: the sandbox does not pretend to know the rest.

Freight depends on how far a parcel goes (:func:`zone`): within the
seller's province, within its region, across regions, or to the remote
west (新疆, 西藏).
"""

from __future__ import annotations

from dataclasses import dataclass

SAME_PROVINCE, SAME_REGION, NATIONAL, REMOTE = 0, 1, 2, 3
ZONES = (SAME_PROVINCE, SAME_REGION, NATIONAL, REMOTE)


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    #: 华东, 华南, 华北, 华中, 东北, 西南, 西北.
    region: str
    remote: bool
    #: City code -> (name, {district code: name}).
    cities: dict[str, tuple[str, dict[str, str]]]


def _province(
    code: str, name: str, region: str, *cities: tuple[str, str, dict[str, str]], remote: bool = False
) -> Province:
    return Province(code, name, region, remote, {city: (city_name, districts) for city, city_name, districts in cities})


PROVINCES: dict[str, Province] = {
    p.code: p
    for p in (
        _province(
            "110000",
            "北京市",
            "华北",
            ("110100", "北京市", {"110101": "东城区", "110105": "朝阳区", "110108": "海淀区"}),
        ),
        _province("120000", "天津市", "华北", ("120100", "天津市", {"120101": "和平区"})),
        _province(
            "130000",
            "河北省",
            "华北",
            ("130100", "石家庄市", {"130102": "长安区"}),
            ("130600", "保定市", {"130602": "竞秀区"}),
        ),
        _province("140000", "山西省", "华北", ("140100", "太原市", {"140105": "小店区"})),
        _province("150000", "内蒙古自治区", "华北", ("150100", "呼和浩特市", {"150102": "新城区"})),
        _province("210000", "辽宁省", "东北", ("210100", "沈阳市", {"210102": "和平区"})),
        _province("220000", "吉林省", "东北", ("220100", "长春市", {"220102": "南关区"})),
        _province("230000", "黑龙江省", "东北", ("230100", "哈尔滨市", {"230102": "道里区"})),
        _province("310000", "上海市", "华东", ("310100", "上海市", {"310101": "黄浦区", "310115": "浦东新区"})),
        _province(
            "320000",
            "江苏省",
            "华东",
            ("320100", "南京市", {"320102": "玄武区"}),
            ("320500", "苏州市", {"320581": "常熟市"}),
            ("320600", "南通市", {"320612": "通州区"}),
        ),
        _province(
            "330000",
            "浙江省",
            "华东",
            ("330100", "杭州市", {"330106": "西湖区", "330108": "滨江区", "330110": "余杭区"}),
            ("330200", "宁波市", {"330282": "慈溪市"}),
            ("330700", "金华市", {"330782": "义乌市", "330784": "永康市"}),
            ("331000", "台州市", {"331003": "黄岩区"}),
        ),
        _province("340000", "安徽省", "华东", ("340100", "合肥市", {"340102": "瑶海区"})),
        _province(
            "350000",
            "福建省",
            "华东",
            ("350100", "福州市", {"350102": "鼓楼区"}),
            ("350300", "莆田市", {"350304": "荔城区"}),
            ("350500", "泉州市", {"350582": "晋江市"}),
        ),
        _province("360000", "江西省", "华东", ("360100", "南昌市", {"360102": "东湖区"})),
        _province("370000", "山东省", "华东", ("370100", "济南市", {"370102": "历下区"})),
        _province("410000", "河南省", "华中", ("410100", "郑州市", {"410102": "中原区"})),
        _province("420000", "湖北省", "华中", ("420100", "武汉市", {"420102": "江岸区"})),
        _province("430000", "湖南省", "华中", ("430100", "长沙市", {"430102": "芙蓉区"})),
        _province(
            "440000",
            "广东省",
            "华南",
            ("440100", "广州市", {"440106": "天河区", "440111": "白云区"}),
            ("440300", "深圳市", {"440306": "宝安区"}),
            ("440500", "汕头市", {"440515": "澄海区"}),
            ("445200", "揭阳市", {"445281": "普宁市"}),
        ),
        _province("450000", "广西壮族自治区", "华南", ("450100", "南宁市", {"450102": "兴宁区"})),
        _province("460000", "海南省", "华南", ("460100", "海口市", {"460105": "秀英区"})),
        _province("500000", "重庆市", "西南", ("500100", "重庆市", {"500103": "渝中区"})),
        _province("510000", "四川省", "西南", ("510100", "成都市", {"510104": "锦江区"})),
        _province("520000", "贵州省", "西南", ("520100", "贵阳市", {"520102": "南明区"})),
        _province("530000", "云南省", "西南", ("530100", "昆明市", {"530102": "五华区"})),
        _province("540000", "西藏自治区", "西南", ("540100", "拉萨市", {"540102": "城关区"}), remote=True),
        _province("610000", "陕西省", "西北", ("610100", "西安市", {"610102": "新城区"})),
        _province("620000", "甘肃省", "西北", ("620100", "兰州市", {"620102": "城关区"})),
        _province("630000", "青海省", "西北", ("630100", "西宁市", {"630102": "城东区"})),
        _province("640000", "宁夏回族自治区", "西北", ("640100", "银川市", {"640104": "兴庆区"})),
        _province("650000", "新疆维吾尔自治区", "西北", ("650100", "乌鲁木齐市", {"650102": "天山区"}), remote=True),
    )
}
_BY_NAME = {province.name: province for province in PROVINCES.values()}


class AddressError(ValueError):
    """Codes that are not a province, a city of it and a district of that city; the message names the field."""


def destination(province: str, city: str, district: str) -> Province:
    """The province of an address given as the page's three codes, each checked against the one above it."""
    found = PROVINCES.get(province)
    if found is None:
        raise AddressError(
            f"toProvinceCode={province!r} 不是省级编码 (not a province code the sandbox knows, such as 330000)"
        )
    if city not in found.cities:
        raise AddressError(
            f"toCityCode={city!r} 不是 {found.name} 的城市 (not a city of {province} the sandbox knows, "
            f"such as {next(iter(found.cities))})"
        )
    districts = found.cities[city][1]
    if district not in districts:
        raise AddressError(
            f"toCountryCode={district!r} 不是 {found.cities[city][0]} 的区县 (not a district of {city} "
            f"the sandbox knows, such as {next(iter(districts))})"
        )
    return found


def province_named(name: str) -> Province:
    """A province by its Chinese name (a seller's ``province``)."""
    return _BY_NAME[name]


def zone(origin: Province, target: Province) -> int:
    """How far a parcel goes: :data:`SAME_PROVINCE`, :data:`SAME_REGION`, :data:`NATIONAL` or :data:`REMOTE`."""
    if target.remote and origin is not target:
        return REMOTE
    if origin is target:
        return SAME_PROVINCE
    return SAME_REGION if origin.region == target.region else NATIONAL
