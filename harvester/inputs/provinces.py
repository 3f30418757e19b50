"""Where freight is estimated to: ``-a freight_to=`` as a province code, a province name or a full address.

``product.freight.estimate`` requires three codes (GB/T 2260): the province
(``toProvinceCode`` 330000), a city of it (``toCityCode`` 330100) and a
district of that city (``toCountryCode`` 330108, the page's own example).
Users think in provinces, so a province alone (its code, or its Chinese
name with or without 省/市/自治区) stands for its capital city's central
district below; the pages do not say how much the district matters, and a
full address (``330000,330100,330108``) can always be given instead. A
value that is none of these is refused in one line before any call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Province code, name, and the address a province alone stands for: its capital city and a central district.
PROVINCES: tuple[tuple[str, str, str, str], ...] = (
    ("110000", "北京市", "110100", "110101"),  # 东城区
    ("120000", "天津市", "120100", "120101"),  # 和平区
    ("130000", "河北省", "130100", "130102"),  # 石家庄市 长安区
    ("140000", "山西省", "140100", "140105"),  # 太原市 小店区
    ("150000", "内蒙古自治区", "150100", "150102"),  # 呼和浩特市 新城区
    ("210000", "辽宁省", "210100", "210102"),  # 沈阳市 和平区
    ("220000", "吉林省", "220100", "220102"),  # 长春市 南关区
    ("230000", "黑龙江省", "230100", "230102"),  # 哈尔滨市 道里区
    ("310000", "上海市", "310100", "310101"),  # 黄浦区
    ("320000", "江苏省", "320100", "320102"),  # 南京市 玄武区
    ("330000", "浙江省", "330100", "330106"),  # 杭州市 西湖区
    ("340000", "安徽省", "340100", "340102"),  # 合肥市 瑶海区
    ("350000", "福建省", "350100", "350102"),  # 福州市 鼓楼区
    ("360000", "江西省", "360100", "360102"),  # 南昌市 东湖区
    ("370000", "山东省", "370100", "370102"),  # 济南市 历下区
    ("410000", "河南省", "410100", "410102"),  # 郑州市 中原区
    ("420000", "湖北省", "420100", "420102"),  # 武汉市 江岸区
    ("430000", "湖南省", "430100", "430102"),  # 长沙市 芙蓉区
    ("440000", "广东省", "440100", "440106"),  # 广州市 天河区
    ("450000", "广西壮族自治区", "450100", "450102"),  # 南宁市 兴宁区
    ("460000", "海南省", "460100", "460105"),  # 海口市 秀英区
    ("500000", "重庆市", "500100", "500103"),  # 渝中区
    ("510000", "四川省", "510100", "510104"),  # 成都市 锦江区
    ("520000", "贵州省", "520100", "520102"),  # 贵阳市 南明区
    ("530000", "云南省", "530100", "530102"),  # 昆明市 五华区
    ("540000", "西藏自治区", "540100", "540102"),  # 拉萨市 城关区
    ("610000", "陕西省", "610100", "610102"),  # 西安市 新城区
    ("620000", "甘肃省", "620100", "620102"),  # 兰州市 城关区
    ("630000", "青海省", "630100", "630102"),  # 西宁市 城东区
    ("640000", "宁夏回族自治区", "640100", "640104"),  # 银川市 兴庆区
    ("650000", "新疆维吾尔自治区", "650100", "650102"),  # 乌鲁木齐市 天山区
)
_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "省", "市")
_CODE = re.compile(r"\d{6}")
EXAMPLE = "330000 (or 浙江省, or 330000,330100,330108)"


@dataclass(frozen=True)
class Destination:
    """The three codes a freight estimate is asked for."""

    province: str
    city: str
    district: str

    @property
    def codes(self) -> tuple[str, str, str]:
        return self.province, self.city, self.district


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


_BY_CODE = {code: Destination(code, city, district) for code, _name, city, district in PROVINCES}
_BY_NAME = {key: _BY_CODE[code] for code, name, _city, _district in PROVINCES for key in (name, _short(name))}


def parse_destination(value: object) -> Destination:
    """``-a freight_to``: a province code or Chinese name, or ``province,city,district`` codes; ValueError with
    what to give otherwise."""
    text = str(value or "").strip().replace("，", ",").replace("/", ",")
    if not text:
        raise ValueError(f"freight_to is empty: give a province code or name, e.g. {EXAMPLE}")
    parts = [part.strip() for part in text.split(",")]
    if len(parts) == 3:
        province, city, district = parts
        if (
            not all(_CODE.fullmatch(part) for part in parts)
            or province not in _BY_CODE
            or city[:2] != province[:2]
            or district[:4] != city[:4]
        ):
            raise ValueError(
                f"freight_to={text!r} is not province,city,district codes of one address "
                "(e.g. 330000,330100,330108: the city in the province, the district in the city)"
            )
        return Destination(province, city, district)
    if len(parts) == 1:
        found = _BY_CODE.get(text) or _BY_NAME.get(text) or _BY_NAME.get(_short(text))
        if found is not None:
            return found
    raise ValueError(f"freight_to={text!r} is not a mainland province: give its code or Chinese name, e.g. {EXAMPLE}")
