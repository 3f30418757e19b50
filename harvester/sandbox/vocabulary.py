"""The fixed words the sandbox catalogue is written in: categories, title terms, specs, places.

Everything here is static data. The catalogue draws from it by keyed hashes, so
changing an entry changes the generated catalogue (and the documented keyword
counts); tests pin the counts, so such a change is always noticed.

Category sizes are given as offers per million: in the default 1,000,000-offer
catalogue they are exact block sizes, and smaller or larger catalogues scale
them. They are deliberately uneven (62,000 phone cases, 60 abacuses) so that a
harvester meets both queries far over the search cap and tiny ones.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Offers per million summed over all categories (the catalogue checks it).
PER_MILLION = 1_000_000


@dataclass(frozen=True)
class SpecKind:
    """A SKU attribute (颜色, 尺码...) and the values an offer may choose from."""

    attribute_id: int
    name: str
    name_en: str
    values: tuple[tuple[str, str], ...]
    #: Whether later values cost more (capacity, length...) or all cost the same (colour).
    priced: bool


@dataclass(frozen=True)
class LeafCategory:
    """A leaf category: its head term names it and appears in every title it owns."""

    id: int
    second_id: int
    head: str
    offers_per_million: int
    kinds: tuple[str, ...]
    traits: tuple[str, ...]
    specs: tuple[str, ...]
    #: Lowest price range in CNY, as decimal strings.
    price: tuple[str, str]
    unit: str
    industry: str
    material: str


def _same(*values: str) -> tuple[tuple[str, str], ...]:
    """Spec values whose English is the Chinese (sizes, models, capacities)."""
    return tuple((value, value) for value in values)


SPECS: dict[str, SpecKind] = {
    "color": SpecKind(3216, "颜色", "Color", (
        ("黑色", "Black"), ("白色", "White"), ("红色", "Red"), ("蓝色", "Blue"), ("粉色", "Pink"),
        ("绿色", "Green"), ("灰色", "Grey"), ("黄色", "Yellow"), ("紫色", "Purple"), ("卡其色", "Khaki"),
        ("藏青色", "Navy"), ("米白色", "Off-white"), ("橙色", "Orange"), ("咖啡色", "Brown"),
        ("银色", "Silver"), ("金色", "Gold"),
    ), priced=False),
    "size": SpecKind(450, "尺码", "Size", _same("S", "M", "L", "XL", "XXL", "3XL", "4XL"), priced=True),
    "shoe_size": SpecKind(100018377, "鞋码", "Shoe size", _same(*(str(n) for n in range(35, 45))), priced=False),
    "capacity": SpecKind(
        1398, "容量", "Capacity", _same("350ml", "500ml", "600ml", "750ml", "1000ml", "1.5L", "2L"), priced=True
    ),
    "length": SpecKind(974, "长度", "Length", _same("0.25m", "1m", "1.5m", "2m", "3m"), priced=True),
    "style": SpecKind(2214, "款式", "Style", (
        ("标准款", "Standard"), ("升级款", "Upgraded"), ("豪华款", "Deluxe"), ("基础款", "Basic"),
        ("加厚款", "Thick"), ("礼盒装", "Gift box"), ("经典款", "Classic"),
    ), priced=True),
    "model": SpecKind(1957, "型号", "Model", _same(
        "iPhone 15", "iPhone 15 Pro", "iPhone 15 Pro Max", "iPhone 14", "iPhone 13", "Galaxy S24",
        "Redmi Note 13", "HUAWEI Mate 60",
    ), priced=False),
    "connector": SpecKind(
        100031562, "接口", "Connector", _same("Type-C", "Lightning", "Micro USB", "USB-C to Lightning"), priced=False
    ),
    "power": SpecKind(2068, "功率", "Power", _same("20W", "30W", "33W", "65W", "100W"), priced=True),
    "battery": SpecKind(
        100017962, "电池容量", "Battery capacity", _same("5000mAh", "10000mAh", "20000mAh", "30000mAh"), priced=True
    ),
    "pack": SpecKind(100005634, "规格", "Pack", (
        ("10个装", "Pack of 10"), ("20个装", "Pack of 20"), ("50个装", "Pack of 50"), ("100个装", "Pack of 100"),
        ("500个装", "Pack of 500"),
    ), priced=True),
    "dimension": SpecKind(100000691, "尺寸", "Dimensions", _same("20cm", "30cm", "45cm", "60cm", "80cm", "100cm"),
                          priced=True),
    "diameter": SpecKind(2322, "口径", "Diameter", _same("24cm", "26cm", "28cm", "30cm", "32cm"), priced=True),
    "bed_size": SpecKind(100023316, "适用床尺寸", "Bed size", (
        ("1.2m床", "1.2m bed"), ("1.5m床", "1.5m bed"), ("1.8m床", "1.8m bed"), ("2.0m床", "2.0m bed"),
    ), priced=True),
    "scent": SpecKind(7812, "香型", "Scent", (
        ("海洋", "Ocean"), ("古龙", "Cologne"), ("柠檬", "Lemon"), ("茉莉", "Jasmine"), ("薰衣草", "Lavender"),
    ), priced=False),
    "ring_size": SpecKind(100014087, "戒圈", "Ring size", (
        ("6号", "Size 6"), ("7号", "Size 7"), ("8号", "Size 8"), ("9号", "Size 9"), ("10号", "Size 10"),
    ), priced=False),
}

#: Every searchable title term (heads, kinds, traits), Chinese -> English.
TERMS: dict[str, str] = {
    # heads
    "保温杯": "Insulated Cup", "玻璃杯": "Glass Cup", "运动水壶": "Sports Bottle", "茶具": "Tea Set",
    "餐具": "Cutlery", "炒锅": "Wok", "保鲜盒": "Food Container", "置物架": "Storage Rack", "砧板": "Cutting Board",
    "收纳盒": "Storage Box", "衣架": "Clothes Hanger", "压缩袋": "Compression Bag", "拖把": "Mop",
    "垃圾袋": "Garbage Bag", "抹布": "Cleaning Cloth", "手机壳": "Phone Case", "数据线": "Data Cable",
    "充电器": "Charger", "充电宝": "Power Bank", "手机支架": "Phone Holder", "钢化膜": "Tempered Glass Film",
    "鼠标": "Mouse", "键盘": "Keyboard", "蓝牙耳机": "Bluetooth Earphones", "音箱": "Speaker",
    "连衣裙": "Dress", "T恤": "T-shirt", "卫衣": "Hoodie", "衬衫": "Shirt", "半身裙": "Skirt", "牛仔裤": "Jeans",
    "打底裤": "Leggings", "睡衣": "Pajamas", "文胸": "Bra", "袜子": "Socks", "夹克": "Jacket",
    "羽绒服": "Down Jacket", "运动裤": "Sweatpants", "运动鞋": "Sneakers", "拖鞋": "Slippers",
    "帆布鞋": "Canvas Shoes", "双肩包": "Backpack", "钱包": "Wallet", "手提包": "Handbag",
    "毛绒玩具": "Plush Toy", "积木": "Building Blocks", "遥控车": "RC Car", "风筝": "Kite", "算盘": "Abacus",
    "拼图": "Jigsaw Puzzle", "中性笔": "Gel Pen", "笔记本": "Notebook", "文件夹": "Folder", "毛笔": "Writing Brush",
    "贴纸": "Stickers", "化妆刷": "Makeup Brush", "假睫毛": "False Eyelashes", "美甲贴": "Nail Stickers",
    "发夹": "Hair Clip", "牙刷": "Toothbrush", "四件套": "Bedding Set", "毛巾": "Towel", "抱枕": "Throw Pillow",
    "窗帘": "Curtain", "猫抓板": "Cat Scratcher", "宠物碗": "Pet Bowl", "狗绳": "Dog Leash", "瑜伽垫": "Yoga Mat",
    "跳绳": "Jump Rope", "帐篷": "Tent", "雨伞": "Umbrella", "气球": "Balloon", "仿真花": "Artificial Flowers",
    "相框": "Photo Frame", "车载香薰": "Car Air Freshener", "汽车座套": "Car Seat Cover", "耳环": "Earrings",
    "项链": "Necklace", "戒指": "Ring",
    # kinds and traits
    "吸管": "Straw", "弹盖": "Flip-lid", "智能显温": "Smart Temperature Display", "车载": "Car",
    "咖啡": "Coffee", "不锈钢": "Stainless Steel", "大容量": "Large Capacity", "儿童": "Kids", "便携": "Portable",
    "学生": "Student", "商务": "Business", "情侣": "Couple", "双层": "Double-wall", "带盖": "Lidded",
    "耐热": "Heat-resistant", "家用": "Household", "ins风": "INS Style", "折叠": "Foldable", "塑料": "Plastic",
    "硅胶": "Silicone", "功夫": "Kung Fu", "旅行": "Travel", "日式": "Japanese", "陶瓷": "Ceramic",
    "紫砂": "Zisha Clay", "礼盒": "Gift Box", "筷子": "Chopsticks", "勺子": "Spoon", "叉子": "Fork",
    "套装": "Set", "木质": "Wooden", "平底": "Flat-bottom", "铸铁": "Cast Iron", "麦饭石": "Maifan Stone",
    "不粘": "Non-stick", "加厚": "Thickened", "饭盒": "Lunch Box", "分格": "Divided", "密封": "Airtight",
    "玻璃": "Glass", "厨房": "Kitchen", "浴室": "Bathroom", "转角": "Corner", "免打孔": "No-drill",
    "多层": "Multi-tier", "抗菌": "Antibacterial", "双面": "Double-sided", "桌面": "Desktop",
    "抽屉式": "Drawer-type", "衣物": "Clothes", "化妆品": "Cosmetics", "透明": "Transparent", "布艺": "Fabric",
    "防滑": "Non-slip", "植绒": "Flocked", "无痕": "Seamless", "真空": "Vacuum", "手卷": "Roll-up",
    "大号": "Large", "平板": "Flat", "旋转": "Spin", "免手洗": "Hands-free", "懒人": "Lazy",
    "手提式": "Handle", "抽绳": "Drawstring", "可降解": "Biodegradable", "洗碗": "Dishwashing",
    "珊瑚绒": "Coral Fleece", "吸水": "Absorbent", "不掉毛": "Lint-free", "磁吸": "Magnetic",
    "防摔": "Shockproof", "液态硅胶": "Liquid Silicone", "卡通": "Cartoon", "全包": "Full-cover",
    "男女": "Unisex", "苹果": "Apple", "华为": "Huawei", "快充": "Fast Charging", "编织": "Braided",
    "三合一": "3-in-1", "弯头": "Right-angle", "安卓": "Android", "加长": "Extra-long", "尼龙": "Nylon",
    "氮化镓": "GaN", "多口": "Multi-port", "自带线": "Built-in Cable", "迷你": "Mini", "超薄": "Ultra-thin",
    "金属": "Metal", "防窥": "Privacy", "高清": "HD", "全屏": "Full-screen", "防蓝光": "Anti-blue-light",
    "无线": "Wireless", "蓝牙": "Bluetooth", "静音": "Silent", "电竞": "Gaming", "办公": "Office",
    "充电": "Rechargeable", "机械": "Mechanical", "入耳式": "In-ear", "头戴式": "Over-ear",
    "挂耳式": "Ear-hook", "骨传导": "Bone Conduction", "运动": "Sports", "降噪": "Noise-cancelling",
    "超长续航": "Long Battery Life", "户外": "Outdoor", "重低音": "Heavy Bass", "防水": "Waterproof",
    "碎花": "Floral", "吊带": "Slip", "长款": "Long", "法式": "French", "女款": "Women's", "夏季": "Summer",
    "显瘦": "Slimming", "大码": "Plus Size", "雪纺": "Chiffon", "短袖": "Short-sleeve", "长袖": "Long-sleeve",
    "圆领": "Crew-neck", "宽松": "Loose", "纯棉": "Cotton", "印花": "Printed", "连帽": "Hooded",
    "加绒": "Fleece-lined", "秋冬": "Autumn-winter", "格子": "Plaid", "男款": "Men's", "百褶": "Pleated",
    "A字": "A-line", "包臀": "Bodycon", "高腰": "High-waist", "直筒": "Straight", "阔腿": "Wide-leg",
    "破洞": "Ripped", "小脚": "Skinny", "鲨鱼": "Shark", "九分": "Ankle-length", "睡裙": "Nightgown",
    "家居服": "Loungewear", "无钢圈": "Wireless", "聚拢": "Push-up", "薄款": "Thin", "船袜": "No-show",
    "中筒": "Mid-calf", "长筒": "Knee-high", "防臭": "Anti-odor", "工装": "Workwear",
    "棒球服": "Baseball", "立领": "Stand-collar", "防风": "Windproof", "短款": "Short", "轻薄": "Lightweight",
    "束脚": "Jogger", "跑步": "Running", "休闲": "Casual", "老爹": "Chunky", "透气": "Breathable",
    "轻便": "Light", "凉拖": "Sandal", "棉拖": "Cotton", "软底": "Soft-sole", "高帮": "High-top",
    "低帮": "Low-top", "电脑": "Laptop", "书包": "School Bag", "卡包": "Card Holder", "真皮": "Leather",
    "托特": "Tote", "斜挎": "Crossbody", "腋下": "Underarm", "公仔": "Doll", "挂件": "Keychain",
    "可爱": "Cute", "拼装": "Assembly", "颗粒": "Brick", "磁力": "Magnetic", "益智": "Educational",
    "越野": "Off-road", "漂移": "Drift", "特技": "Stunt", "合金": "Alloy", "微风": "Breeze", "大型": "Giant",
    "珠心算": "Mental Arithmetic", "立体": "3D", "平面": "Flat", "速干": "Quick-dry", "按动": "Retractable",
    "活页": "Loose-leaf", "线圈": "Spiral", "皮面": "Leather Cover", "拉链": "Zipper", "风琴": "Accordion",
    "狼毫": "Weasel Hair", "羊毫": "Goat Hair", "书法": "Calligraphy", "手账": "Journal", "散粉": "Powder",
    "眼影": "Eyeshadow", "软毛": "Soft-bristle", "初学者": "Beginner", "自然": "Natural", "浓密": "Thick",
    "仿真": "Realistic", "穿戴甲": "Press-on Nails", "延长": "Extension", "抓夹": "Claw Clip",
    "边夹": "Side Clip", "鲨鱼夹": "Shark Clip", "韩版": "Korean Style", "电动": "Electric", "成人": "Adult",
    "水洗棉": "Washed Cotton", "磨毛": "Brushed", "浴巾": "Bath Towel", "方巾": "Face Cloth",
    "洗脸": "Face", "靠垫": "Cushion", "腰枕": "Lumbar Pillow", "遮光": "Blackout", "纱帘": "Sheer",
    "瓦楞纸": "Corrugated", "立式": "Vertical", "耐磨": "Durable", "自动喂食": "Automatic Feeder",
    "双碗": "Double Bowl", "伸缩": "Retractable", "胸背": "Harness", "大型犬": "Large Dog",
    "小型犬": "Small Dog", "反光": "Reflective", "健身": "Fitness", "计数": "Counting", "无绳": "Cordless",
    "自动": "Automatic", "野营": "Camping", "防雨": "Rainproof", "长柄": "Long-handle", "晴雨": "Sun and Rain",
    "防晒": "UV-protection", "铝膜": "Foil", "乳胶": "Latex", "生日": "Birthday", "派对": "Party",
    "婚庆": "Wedding", "花束": "Bouquet", "绿植": "Greenery", "摆台": "Tabletop", "挂墙": "Wall-mounted",
    "出风口": "Vent Clip", "摆件": "Ornament", "持久": "Long-lasting", "高档": "Premium", "四季": "All-season",
    "冰丝": "Ice Silk", "耳钉": "Stud", "耳夹": "Clip-on", "耳线": "Threader", "925银": "925 Silver",
    "锁骨链": "Collarbone Chain", "吊坠": "Pendant", "钛钢": "Titanium Steel", "开口": "Open", "对戒": "Couple Rings",
}

#: Marketing words in titles. The search tokeniser recognises and ignores them:
#: they narrow nothing, and a keyword made only of them matches no offer.
MARKETING_PREFIXES: tuple[tuple[str, str], ...] = (
    ("新款", "New"), ("跨境", "Cross-border"), ("爆款", "Hot-selling"), ("2025新款", "2025 New"),
    ("工厂直供", "Factory Supply"),
)
MARKETING_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("厂家直销", "Factory Direct"), ("一件代发", "Dropshipping"), ("批发", "Wholesale"), ("现货", "In Stock"),
    ("定制logo", "Custom Logo"),
)
STOPWORDS: frozenset[str] = frozenset(zh for zh, _ in MARKETING_PREFIXES + MARKETING_SUFFIXES)

TOP_CATEGORIES: dict[int, tuple[str, str]] = {
    15: ("家居日用", "Home & Daily Use"),
    7: ("数码电子", "Digital & Electronics"),
    10166: ("服装服饰", "Apparel"),
    311: ("鞋靴箱包", "Shoes & Bags"),
    1813: ("玩具", "Toys"),
    54: ("办公文教", "Office & Stationery"),
    66: ("美容个护", "Beauty & Personal Care"),
    96: ("家纺家饰", "Home Textiles"),
    1046: ("宠物用品", "Pet Supplies"),
    18: ("运动户外", "Sports & Outdoor"),
    127: ("工艺礼品", "Crafts & Gifts"),
    34: ("汽车用品", "Auto Accessories"),
    1811: ("饰品", "Jewelry"),
}

SECOND_CATEGORIES: dict[int, tuple[str, str, int]] = {
    1501: ("水具酒具", "Drinkware", 15),
    1502: ("厨房用品", "Kitchenware", 15),
    1503: ("收纳整理", "Storage", 15),
    1504: ("清洁用品", "Cleaning", 15),
    701: ("手机配件", "Phone Accessories", 7),
    702: ("电脑外设", "Computer Peripherals", 7),
    703: ("影音电器", "Audio", 7),
    1016601: ("女装", "Women's Clothing", 10166),
    1016602: ("男装", "Men's Clothing", 10166),
    1016603: ("内衣袜子", "Underwear & Socks", 10166),
    31101: ("鞋", "Shoes", 311),
    31102: ("箱包", "Bags", 311),
    181301: ("玩具", "Toys", 1813),
    5401: ("文具", "Stationery", 54),
    6601: ("美妆工具", "Beauty Tools", 66),
    6602: ("个人护理", "Personal Care", 66),
    9601: ("床上用品", "Bedding", 96),
    9602: ("布艺软装", "Soft Furnishings", 96),
    104601: ("宠物用品", "Pet Supplies", 1046),
    1801: ("运动户外", "Sports & Outdoor", 18),
    12701: ("节庆装饰", "Party & Decor", 127),
    3401: ("汽车用品", "Auto Accessories", 34),
    181101: ("时尚饰品", "Fashion Jewelry", 1811),
}


def _leaf(
    id: int, second_id: int, head: str, offers_per_million: int, kinds: str, traits: str, specs: str,
    price: str, unit: str, industry: str, material: str,
) -> LeafCategory:
    low, high = price.split("-")
    return LeafCategory(
        id=id, second_id=second_id, head=head, offers_per_million=offers_per_million,
        kinds=tuple(kinds.split()), traits=tuple(traits.split()), specs=tuple(specs.split()),
        price=(low, high), unit=unit, industry=industry, material=material,
    )


LEAF_CATEGORIES: tuple[LeafCategory, ...] = (
    _leaf(122916001, 1501, "保温杯", 25_000, "吸管 弹盖 智能显温 车载 咖啡", "不锈钢 大容量 儿童 便携 学生 商务 情侣",
          "color capacity style", "9.5-68", "个", "household", "304不锈钢"),
    _leaf(122916002, 1501, "玻璃杯", 15_000, "双层 带盖 耐热 咖啡", "大容量 便携 家用 ins风 情侣",
          "color capacity", "2.2-35", "个", "household", "高硼硅玻璃"),
    _leaf(122916003, 1501, "运动水壶", 18_000, "吸管 弹盖 折叠", "大容量 儿童 便携 塑料 硅胶 学生",
          "color capacity style", "3.5-45", "个", "household", "Tritan"),
    _leaf(122916004, 1501, "茶具", 380, "功夫 旅行 日式", "陶瓷 家用 紫砂 礼盒",
          "style color", "28-460", "套", "crafts", "陶瓷"),
    _leaf(122917001, 1502, "餐具", 13_000, "筷子 勺子 叉子 套装", "不锈钢 儿童 便携 木质 家用",
          "color style pack", "0.6-38", "套", "household", "304不锈钢"),
    _leaf(122917002, 1502, "炒锅", 14_000, "平底 铸铁 麦饭石", "不锈钢 不粘 家用 加厚",
          "diameter style", "25-260", "个", "hardware", "铁"),
    _leaf(122917003, 1502, "保鲜盒", 12_000, "饭盒 分格 密封", "玻璃 塑料 硅胶 大容量 便携",
          "capacity color", "1.8-32", "个", "household", "PP"),
    _leaf(122917004, 1502, "置物架", 9_000, "厨房 浴室 转角", "不锈钢 免打孔 多层 塑料",
          "style color", "6-120", "个", "hardware", "碳钢"),
    _leaf(122917005, 1502, "砧板", 5_000, "抗菌 双面", "木质 塑料 加厚 家用",
          "style dimension", "3-48", "个", "household", "竹"),
    _leaf(122918001, 1503, "收纳盒", 16_000, "桌面 抽屉式 衣物 化妆品", "塑料 大容量 折叠 透明 布艺",
          "color style", "1.2-45", "个", "household", "PP"),
    _leaf(122918002, 1503, "衣架", 8_000, "防滑 植绒", "塑料 不锈钢 木质 无痕 儿童",
          "color pack", "0.18-3.5", "个", "household", "PP"),
    _leaf(122918003, 1503, "压缩袋", 3_000, "真空 手卷", "加厚 大号 透明",
          "dimension pack", "0.9-18", "个", "household", "PA+PE"),
    _leaf(122919001, 1504, "拖把", 9_000, "平板 旋转 免手洗", "家用 懒人 加厚 不锈钢",
          "style color", "8-90", "把", "household", "超细纤维"),
    _leaf(122919002, 1504, "垃圾袋", 6_000, "手提式 抽绳 可降解", "加厚 家用 大号",
          "pack color", "0.035-2.2", "卷", "household", "PE"),
    _leaf(122919003, 1504, "抹布", 7_000, "洗碗 珊瑚绒 吸水", "加厚 家用 不掉毛",
          "color pack", "0.08-3", "条", "household", "超细纤维"),
    _leaf(200701001, 701, "手机壳", 62_000, "磁吸 防摔 透明 液态硅胶 卡通", "硅胶 全包 男女 情侣 ins风 苹果 华为",
          "model color", "1.2-26", "个", "electronics", "TPU"),
    _leaf(200701002, 701, "数据线", 48_000, "快充 编织 三合一 弯头", "苹果 安卓 硅胶 加长 尼龙",
          "connector length color", "0.75-22", "条", "electronics", "TPE"),
    _leaf(200701003, 701, "充电器", 24_000, "快充 氮化镓 多口", "苹果 安卓 便携 折叠",
          "power connector color", "3.2-85", "个", "electronics", "PC阻燃"),
    _leaf(200701004, 701, "充电宝", 15_000, "磁吸 自带线 迷你", "大容量 便携 超薄 卡通 快充",
          "battery color", "19-120", "个", "electronics", "ABS"),
    _leaf(200701005, 701, "手机支架", 14_000, "车载 桌面 懒人 折叠", "便携 金属 塑料",
          "color style", "0.9-35", "个", "electronics", "铝合金"),
    _leaf(200701006, 701, "钢化膜", 16_000, "防窥 高清 全屏", "苹果 华为 防蓝光",
          "model pack", "0.22-6.5", "张", "electronics", "钢化玻璃"),
    _leaf(200702001, 702, "鼠标", 12_000, "无线 蓝牙 静音 电竞", "办公 便携 充电",
          "color style", "4.5-120", "个", "electronics", "ABS"),
    _leaf(200702002, 702, "键盘", 9_000, "机械 无线 蓝牙 电竞", "办公 静音 便携",
          "color style", "12-260", "个", "electronics", "ABS"),
    _leaf(200703001, 703, "蓝牙耳机", 22_000, "入耳式 头戴式 挂耳式 骨传导", "无线 运动 降噪 超长续航",
          "color style", "6.8-150", "副", "electronics", "ABS"),
    _leaf(200703002, 703, "音箱", 8_000, "蓝牙 迷你 户外", "便携 无线 重低音 防水",
          "color style", "12-320", "个", "electronics", "ABS"),
    _leaf(300601001, 1016601, "连衣裙", 45_000, "碎花 吊带 长款 法式", "女款 夏季 显瘦 大码 ins风 雪纺",
          "color size", "18-180", "件", "apparel", "聚酯纤维"),
    _leaf(300602001, 1016602, "T恤", 48_000, "短袖 长袖 圆领 宽松", "纯棉 男女 夏季 大码 情侣 印花",
          "color size", "6-68", "件", "apparel", "棉"),
    _leaf(300602002, 1016602, "卫衣", 24_000, "连帽 圆领 加绒", "男女 宽松 秋冬 大码 纯棉",
          "color size", "22-135", "件", "apparel", "棉"),
    _leaf(300602003, 1016602, "衬衫", 20_000, "长袖 短袖 格子", "男款 女款 商务 纯棉 宽松",
          "color size", "16-120", "件", "apparel", "棉"),
    _leaf(300601002, 1016601, "半身裙", 15_000, "百褶 A字 包臀", "女款 显瘦 高腰 夏季",
          "color size", "15-110", "条", "apparel", "聚酯纤维"),
    _leaf(300601003, 1016601, "牛仔裤", 22_000, "直筒 阔腿 破洞 小脚", "男款 女款 高腰 宽松 显瘦",
          "color size", "25-160", "条", "apparel", "棉"),
    _leaf(300601004, 1016601, "打底裤", 12_000, "鲨鱼 加绒 九分", "女款 显瘦 高腰 秋冬",
          "color size", "6-55", "条", "apparel", "锦纶"),
    _leaf(300603001, 1016603, "睡衣", 11_000, "套装 睡裙 家居服", "纯棉 女款 男款 儿童 情侣 夏季 秋冬",
          "color size", "15-110", "套", "apparel", "棉"),
    _leaf(300603002, 1016603, "文胸", 12_000, "无钢圈 聚拢 运动", "女款 大码 无痕 薄款",
          "color size", "9-78", "件", "apparel", "锦纶"),
    _leaf(300603003, 1016603, "袜子", 16_000, "船袜 中筒 长筒", "纯棉 男款 女款 儿童 防臭",
          "color pack", "0.45-9.8", "双", "apparel", "棉"),
    _leaf(300602004, 1016602, "夹克", 12_000, "工装 棒球服 立领", "男款 宽松 秋冬 防风",
          "color size", "45-280", "件", "apparel", "聚酯纤维"),
    _leaf(300602005, 1016602, "羽绒服", 10_000, "短款 长款 连帽", "男款 女款 儿童 加厚 轻薄",
          "color size", "88-680", "件", "apparel", "白鸭绒"),
    _leaf(300602006, 1016602, "运动裤", 12_210, "束脚 直筒 阔腿", "男款 女款 宽松 加绒 夏季",
          "color size", "15-95", "条", "apparel", "聚酯纤维"),
    _leaf(400101001, 31101, "运动鞋", 25_000, "跑步 休闲 老爹 透气", "男款 女款 儿童 情侣 防滑 轻便",
          "color shoe_size", "28-260", "双", "shoes", "网布"),
    _leaf(400101002, 31101, "拖鞋", 18_000, "凉拖 棉拖 浴室", "男款 女款 儿童 情侣 防滑 家用 软底",
          "color shoe_size", "2.8-38", "双", "shoes", "EVA"),
    _leaf(400101003, 31101, "帆布鞋", 10_000, "高帮 低帮", "男款 女款 情侣 学生",
          "color shoe_size", "16-88", "双", "shoes", "帆布"),
    _leaf(400102001, 31102, "双肩包", 15_000, "电脑 旅行 书包", "男款 女款 学生 大容量 防水 商务 儿童",
          "color style", "12-220", "个", "bags", "牛津布"),
    _leaf(400102002, 31102, "钱包", 9_000, "长款 短款 卡包", "男款 女款 真皮 超薄",
          "color style", "4.5-120", "个", "bags", "PU"),
    _leaf(400102003, 31102, "手提包", 11_000, "托特 斜挎 腋下", "女款 大容量 真皮 ins风",
          "color style", "18-260", "个", "bags", "PU"),
    _leaf(500301001, 181301, "毛绒玩具", 16_000, "公仔 抱枕 挂件", "儿童 卡通 可爱 礼盒",
          "color dimension", "2.5-150", "个", "toys", "短毛绒"),
    _leaf(500301002, 181301, "积木", 14_000, "拼装 颗粒 磁力", "儿童 益智 塑料 礼盒",
          "style pack", "6-320", "套", "toys", "ABS"),
    _leaf(500301003, 181301, "遥控车", 6_000, "越野 漂移 特技", "儿童 充电 合金",
          "color style", "25-480", "辆", "toys", "ABS"),
    _leaf(500301004, 181301, "风筝", 900, "卡通 微风", "儿童 大型 户外",
          "style", "3.5-68", "个", "toys", "涤纶"),
    _leaf(500301005, 181301, "算盘", 60, "珠心算", "儿童 学生 木质",
          "style", "4.5-45", "个", "toys", "木"),
    _leaf(500301006, 181301, "拼图", 4_000, "立体 平面", "儿童 益智 木质",
          "style pack", "1.5-68", "盒", "toys", "纸"),
    _leaf(600401001, 5401, "中性笔", 13_000, "速干 按动", "学生 办公 可爱",
          "color pack", "0.12-3.8", "支", "stationery", "塑料"),
    _leaf(600401002, 5401, "笔记本", 13_000, "活页 线圈 皮面", "学生 办公 加厚 ins风",
          "style pack", "0.8-28", "本", "stationery", "纸"),
    _leaf(600401003, 5401, "文件夹", 5_000, "拉链 风琴", "办公 学生 透明 塑料",
          "color pack", "0.3-18", "个", "stationery", "PP"),
    _leaf(600401004, 5401, "毛笔", 450, "狼毫 羊毫", "学生 书法 套装",
          "style", "2.5-120", "支", "stationery", "竹"),
    _leaf(600401005, 5401, "贴纸", 8_000, "手账 卡通 防水", "儿童 可爱 ins风",
          "style pack", "0.012-2.5", "张", "stationery", "铜版纸"),
    _leaf(700601001, 6601, "化妆刷", 7_000, "套装 散粉 眼影", "便携 软毛 初学者",
          "color style", "1.2-95", "套", "cosmetics", "纤维毛"),
    _leaf(700601002, 6601, "假睫毛", 6_000, "自然 浓密 磁吸", "仿真 初学者",
          "style pack", "0.6-28", "盒", "cosmetics", "化纤"),
    _leaf(700601003, 6601, "美甲贴", 5_000, "穿戴甲 延长", "防水 ins风 可爱",
          "style pack", "0.09-12", "张", "cosmetics", "PET"),
    _leaf(700601004, 6601, "发夹", 11_000, "抓夹 边夹 鲨鱼夹", "女款 儿童 韩版 ins风 金属",
          "color pack", "0.06-12", "个", "jewelry", "醋酸"),
    _leaf(700602001, 6602, "牙刷", 9_000, "电动", "儿童 成人 家用 软毛",
          "color pack", "0.15-68", "支", "cosmetics", "PP"),
    _leaf(800901001, 9601, "四件套", 12_000, "水洗棉 磨毛", "纯棉 ins风 秋冬 夏季",
          "color bed_size", "45-480", "套", "textiles", "棉"),
    _leaf(800901002, 9601, "毛巾", 14_000, "浴巾 方巾 洗脸", "纯棉 吸水 加厚 儿童",
          "color pack", "0.9-38", "条", "textiles", "棉"),
    _leaf(800902001, 9602, "抱枕", 10_000, "靠垫 腰枕", "卡通 ins风 可爱 纯棉",
          "color dimension", "4.5-68", "个", "textiles", "短毛绒"),
    _leaf(800902002, 9602, "窗帘", 9_000, "遮光 纱帘", "加厚 ins风 免打孔",
          "color dimension", "12-180", "片", "textiles", "涤纶"),
    _leaf(900461001, 104601, "猫抓板", 3_000, "瓦楞纸 立式", "耐磨 大号",
          "style dimension", "3.5-120", "个", "pets", "瓦楞纸"),
    _leaf(900461002, 104601, "宠物碗", 4_000, "自动喂食 双碗", "不锈钢 陶瓷 硅胶 防滑",
          "color style", "2.8-85", "个", "pets", "304不锈钢"),
    _leaf(900461003, 104601, "狗绳", 5_000, "伸缩 胸背", "大型犬 小型犬 反光",
          "color size", "3.2-68", "条", "pets", "尼龙"),
    _leaf(901801001, 1801, "瑜伽垫", 8_000, "健身 折叠", "加厚 防滑 家用 初学者",
          "color style", "9-95", "张", "outdoor", "TPE"),
    _leaf(901801002, 1801, "跳绳", 4_500, "计数 无绳", "儿童 学生 成人",
          "color length", "2.2-58", "根", "outdoor", "PVC"),
    _leaf(901801003, 1801, "帐篷", 3_500, "自动 双层 野营", "户外 防雨 便携 加厚",
          "color style", "45-680", "顶", "outdoor", "牛津布"),
    _leaf(901801004, 1801, "雨伞", 11_000, "折叠 自动 长柄", "晴雨 防晒 儿童 大号",
          "color style", "6-85", "把", "outdoor", "碰击布"),
    _leaf(912701001, 12701, "气球", 6_000, "铝膜 乳胶", "生日 派对 婚庆 加厚",
          "color pack", "0.011-3.2", "个", "crafts", "乳胶"),
    _leaf(912701002, 12701, "仿真花", 5_000, "花束 绿植", "家用 婚庆 ins风",
          "color style", "0.35-58", "支", "crafts", "绢布"),
    _leaf(912701003, 12701, "相框", 4_000, "摆台 挂墙", "木质 金属 ins风",
          "color dimension", "2.5-68", "个", "crafts", "实木"),
    _leaf(903401001, 3401, "车载香薰", 6_000, "出风口 摆件", "持久 高档",
          "scent style", "3.5-88", "个", "auto", "锌合金"),
    _leaf(903401002, 3401, "汽车座套", 5_000, "四季 全包", "透气 冰丝 夏季",
          "color style", "35-480", "套", "auto", "冰丝"),
    _leaf(918111001, 181101, "耳环", 13_000, "耳钉 耳夹 耳线", "女款 韩版 ins风 925银",
          "color style", "0.35-48", "对", "jewelry", "合金"),
    _leaf(918111002, 181101, "项链", 12_000, "锁骨链 吊坠", "女款 男款 钛钢 ins风",
          "color length", "0.9-88", "条", "jewelry", "钛钢"),
    _leaf(918111003, 181101, "戒指", 9_000, "开口 对戒", "女款 男款 情侣 钛钢",
          "color ring_size", "0.5-68", "个", "jewelry", "钛钢"),
)

#: Units, Chinese -> English (``unitInfo.unit`` / ``transUnit``).
UNITS: dict[str, str] = {
    "个": "piece", "件": "piece", "套": "set", "双": "pair", "条": "piece", "卷": "roll", "把": "piece",
    "张": "sheet", "副": "pair", "辆": "piece", "盒": "box", "支": "piece", "本": "piece", "对": "pair",
    "片": "panel", "根": "piece", "顶": "piece",
}

#: Materials of the product attribute ``材质``, Chinese -> English.
MATERIALS: dict[str, str] = {
    "304不锈钢": "304 stainless steel", "高硼硅玻璃": "borosilicate glass", "Tritan": "Tritan", "陶瓷": "ceramic",
    "铁": "iron", "PP": "PP", "碳钢": "carbon steel", "竹": "bamboo", "PA+PE": "PA+PE",
    "超细纤维": "microfiber", "PE": "PE", "TPU": "TPU", "TPE": "TPE", "PC阻燃": "flame-retardant PC",
    "ABS": "ABS", "铝合金": "aluminium alloy", "钢化玻璃": "tempered glass", "聚酯纤维": "polyester",
    "棉": "cotton", "锦纶": "nylon", "白鸭绒": "white duck down", "网布": "mesh", "EVA": "EVA",
    "帆布": "canvas", "牛津布": "oxford cloth", "PU": "PU leather", "短毛绒": "short plush", "涤纶": "polyester",
    "木": "wood", "纸": "paper", "塑料": "plastic", "铜版纸": "coated paper", "纤维毛": "synthetic fibre",
    "化纤": "synthetic fibre", "PET": "PET", "醋酸": "acetate", "瓦楞纸": "corrugated paper",
    "尼龙": "nylon", "PVC": "PVC", "碰击布": "pongee", "乳胶": "latex", "绢布": "silk cloth", "实木": "solid wood",
    "锌合金": "zinc alloy", "冰丝": "ice silk", "合金": "alloy", "钛钢": "titanium steel", "硅胶": "silicone",
    "牛皮": "cowhide", "紫砂": "zisha clay", "925银": "925 silver", "棉麻": "cotton linen",
}

#: A material trait in a title sets the ``材质`` attribute to this material.
TRAIT_MATERIALS: dict[str, str] = {
    "不锈钢": "304不锈钢", "硅胶": "硅胶", "塑料": "塑料", "木质": "木", "纯棉": "棉", "陶瓷": "陶瓷", "玻璃": "高硼硅玻璃",
    "真皮": "牛皮", "钛钢": "钛钢", "金属": "锌合金", "925银": "925银", "合金": "合金", "尼龙": "尼龙", "紫砂": "紫砂",
    "布艺": "棉麻",
}


@dataclass(frozen=True)
class Place:
    province: str
    city: str
    district: str
    #: How a company name starts: 义乌市, 汕头市澄海区...
    company_prefix: str
    #: Pinyin of the district: the English place of origin, and the start of login ids.
    pinyin: str


PLACES: dict[str, Place] = {
    "yiwu": Place("浙江省", "金华市", "义乌市", "义乌市", "yiwu"),
    "shenzhen": Place("广东省", "深圳市", "宝安区", "深圳市", "baoan"),
    "guangzhou": Place("广东省", "广州市", "白云区", "广州市", "baiyun"),
    "dongguan": Place("广东省", "东莞市", "虎门镇", "东莞市", "humen"),
    "hangzhou": Place("浙江省", "杭州市", "余杭区", "杭州", "yuhang"),
    "jinjiang": Place("福建省", "泉州市", "晋江市", "晋江市", "jinjiang"),
    "shantou": Place("广东省", "汕头市", "澄海区", "汕头市澄海区", "chenghai"),
    "taizhou": Place("浙江省", "台州市", "黄岩区", "台州市", "huangyan"),
    "baigou": Place("河北省", "保定市", "白沟新城", "保定市", "baigou"),
    "yongkang": Place("浙江省", "金华市", "永康市", "永康市", "yongkang"),
    "changshu": Place("江苏省", "苏州市", "常熟市", "常熟市", "changshu"),
    "cixi": Place("浙江省", "宁波市", "慈溪市", "慈溪市", "cixi"),
    "putian": Place("福建省", "莆田市", "荔城区", "莆田市", "licheng"),
    "puning": Place("广东省", "揭阳市", "普宁市", "普宁市", "puning"),
    "nantong": Place("江苏省", "南通市", "通州区", "南通", "tongzhou"),
}


@dataclass(frozen=True)
class Industry:
    """How sellers of a category describe their business, and where they tend to be."""

    word: str
    places: tuple[str, ...]


INDUSTRIES: dict[str, Industry] = {
    "household": Industry("日用品", ("yiwu", "taizhou", "yongkang", "cixi")),
    "hardware": Industry("五金制品", ("yongkang", "yiwu", "taizhou")),
    "electronics": Industry("电子科技", ("shenzhen", "dongguan", "guangzhou")),
    "apparel": Industry("服饰", ("guangzhou", "hangzhou", "changshu", "puning")),
    "shoes": Industry("鞋业", ("jinjiang", "putian", "guangzhou")),
    "bags": Industry("箱包", ("baigou", "guangzhou", "yiwu")),
    "toys": Industry("玩具", ("shantou", "yiwu")),
    "stationery": Industry("文具", ("yiwu", "cixi")),
    "cosmetics": Industry("化妆用品", ("yiwu", "guangzhou")),
    "textiles": Industry("家纺", ("nantong", "hangzhou")),
    "pets": Industry("宠物用品", ("yiwu", "taizhou")),
    "outdoor": Industry("户外用品", ("yiwu", "hangzhou", "jinjiang")),
    "crafts": Industry("工艺品", ("yiwu", "puning")),
    "auto": Industry("汽车用品", ("guangzhou", "yongkang")),
    "jewelry": Industry("饰品", ("yiwu", "guangzhou")),
}

#: Characters of company brand names, with pinyin for login ids.
BRAND_CHARACTERS: tuple[tuple[str, str], ...] = (
    ("丰", "feng"), ("瑞", "rui"), ("嘉", "jia"), ("美", "mei"), ("恒", "heng"), ("鑫", "xin"), ("源", "yuan"),
    ("达", "da"), ("盛", "sheng"), ("华", "hua"), ("宏", "hong"), ("博", "bo"), ("晨", "chen"), ("佳", "jia"),
    ("优", "you"), ("品", "pin"), ("创", "chuang"), ("星", "xing"), ("汇", "hui"), ("亿", "yi"),
    ("联", "lian"), ("凯", "kai"), ("泰", "tai"), ("东", "dong"), ("启", "qi"), ("润", "run"), ("锦", "jin"),
    ("腾", "teng"), ("辉", "hui"), ("诺", "nuo"), ("康", "kang"), ("旺", "wang"), ("乐", "le"), ("天", "tian"),
    ("顺", "shun"), ("和", "he"), ("邦", "bang"), ("欧", "ou"), ("航", "hang"), ("雅", "ya"),
)

#: Legal forms a company name ends with; the first is by far the most common.
LEGAL_FORMS: tuple[str, ...] = ("有限公司", "有限公司", "有限公司", "贸易有限公司", "商行")

#: Product attributes every offer lists: key -> (attributeId, name, English name).
PRODUCT_ATTRIBUTES: dict[str, tuple[int, str, str]] = {
    "brand": (2176, "品牌", "Brand"),
    "material": (287, "材质", "Material"),
    "origin": (20666, "产地", "Place of origin"),
    "item_number": (346, "货号", "Item number"),
    "imported": (2495, "是否进口", "Imported"),
    "cross_border": (100031521, "是否跨境出口专供货源", "Exclusive cross-border supply"),
}
YES_NO: dict[bool, tuple[str, str]] = {True: ("是", "Yes"), False: ("否", "No")}
