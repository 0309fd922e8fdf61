"""Vocabulary of the generated catalog: WebShop's five categories and their product types.

Each product type names its search query (WebShop's ``query`` field), its Amazon-style
category path, the attributes its products can have, and its option kinds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProductType:
    """One kind of product: what it is called and what it can have."""

    query: str
    path: str
    attributes: tuple[str, ...]
    options: tuple[str, ...]


def _words(*chunks: str) -> tuple[str, ...]:
    """Comma-separated values (split across string chunks) as a tuple."""
    return tuple("".join(chunks).split(","))


COLORS = _words(
    "black,white,navy blue,grey,red,green,pink,beige,brown,purple,khaki,light blue,"
    "dark grey,ivory,teal,burgundy"
)
CLOTHING_SIZES = _words("x-small,small,medium,large,x-large,xx-large")
SHOE_SIZES = _words("6,7,7.5,8,8.5,9,10,11,12")
BED_SIZES = _words("twin,full,queen,king")
VOLUMES = _words("2 fl oz (pack of 1),8 fl oz (pack of 1),16 fl oz (pack of 1),8 fl oz (pack of 3)")
WEIGHTS = _words("4 ounce (pack of 2),12 ounce (pack of 1),1 pound (pack of 1),2 pound (pack of 2)")
COUNTS = _words(
    "12 count (pack of 1),24 count (pack of 1),6 count (pack of 4),36 count (pack of 2)"
)
FLAVORS = _words(
    "original,vanilla,chocolate,sea salt,honey,hazelnut,mixed berry,caramel,cinnamon,lemon"
)
LENGTHS = _words("3 ft,6 ft,10 ft,15 ft")
DIMENSIONS = _words("40x40x45cm,60x40x45cm,80x40x45cm,100x45x45cm,120x45x45cm")
STYLES = _words("modern,classic,coastal,industrial,farmhouse")

OPTION_VALUES: dict[str, tuple[str, ...]] = {
    "color": COLORS,
    "size": CLOTHING_SIZES,
    "shoe size": SHOE_SIZES,
    "bed size": BED_SIZES,
    "volume": VOLUMES,
    "weight": WEIGHTS,
    "count": COUNTS,
    "flavor name": FLAVORS,
    "length": LENGTHS,
    "dimensions": DIMENSIONS,
    "style": STYLES,
}
# Option kinds shown under another name on the page, as Amazon does ("size" for bed sizes).
OPTION_LABELS = {
    "shoe size": "size",
    "bed size": "size",
    "volume": "size",
    "weight": "size",
    "count": "size",
    "dimensions": "size",
    "length": "size",
}

BEAUTY_ATTRS = _words(
    "paraben free,sulfate free,cruelty free,long lasting,natural ingredients,"
    "easy to use,travel size,fragrance free,tea tree,vegan,dermatologist tested,"
    "hyaluronic acid,dry skin,sensitive skin,high quality"
)
ELECTRONICS_ATTRS = _words(
    "noise cancelling,high speed,fast charging,wireless bluetooth,water resistant,"
    "easy carry,plug and play,long battery life,hands free,heavy duty,usb c,"
    "high definition,stereo sound"
)
FASHION_ATTRS = _words(
    "machine wash,slim fit,long sleeve,relaxed fit,button closure,rubber sole,"
    "quick drying,cotton spandex,elastic waist,moisture wicking,short sleeve,"
    "hand wash,classic fit,lace up"
)
FOOD_ATTRS = _words(
    "gluten free,non gmo,low sugar,keto friendly,sugar free,high protein,usda organic,"
    "ready to eat,individually wrapped,dairy free,low calorie,caffeine free,"
    "plant based,kosher certified"
)
FURNITURE_ATTRS = _words(
    "space saving,easy assembly,solid wood,living room,storage space,mid century,"
    "metal legs,high density foam,lumbar support,non slip,engineered wood,dining room,"
    "bedroom furniture,easy clean"
)

# category -> (root of its category path, brands, attributes,
#              [(query, category path below the root, option kinds)])
_TABLE: dict[str, tuple[str, str, tuple[str, ...], list[tuple[str, str, str]]]] = {
    "beauty": (
        "Beauty & Personal Care",
        "Lumora,Verdane,Silkbay,Aurelle,Nuvia,Petalis,Glowen,Mirabel",
        BEAUTY_ATTRS,
        [
            ("shampoo", "Hair Care › Shampoo & Conditioner › Shampoos", "volume"),
            ("hair extensions", "Hair Care › Hair Extensions, Wigs & Accessories", "color,length"),
            ("lipstick", "Makeup › Lips › Lipstick", "color"),
            ("face serum", "Skin Care › Face › Serums", "volume"),
            ("nail polish", "Foot, Hand & Nail Care › Nail Art & Polish", "color,volume"),
            ("body lotion", "Skin Care › Body › Lotions", "volume"),
        ],
    ),
    "electronics": (
        "Electronics",
        "Zentrix,Auralink,Voltaro,Sonique,Kestrel,Nexbit,Ampora,Quella",
        ELECTRONICS_ATTRS,
        [
            ("headphones", "Headphones, Earbuds & Accessories › Headphones", "color"),
            ("usb microphone", "Computers & Accessories › Microphones", "color"),
            ("hdmi cable", "Television & Video › Accessories › Cables", "length,color"),
            ("bluetooth speaker", "Portable Audio & Video › Speakers", "color"),
            (
                "wall charger",
                "Cell Phones & Accessories › Chargers & Power Adapters",
                "color,style",
            ),
            ("phone case", "Cell Phones & Accessories › Cases, Holsters & Sleeves", "color"),
        ],
    ),
    "fashion": (
        "Clothing, Shoes & Jewelry",
        "Marlow,Treadly,Corvane,Bexley,Ostrea,Halden,Ruvio,Sablette",
        FASHION_ATTRS,
        [
            ("men's t-shirt", "Men › Clothing › Shirts › T-Shirts", "color,size"),
            ("women's dress", "Women › Clothing › Dresses", "color,size"),
            ("running shoes", "Men › Shoes › Athletic › Running", "color,shoe size"),
            ("hoodie", "Women › Clothing › Fashion Hoodies & Sweatshirts", "color,size"),
            ("jeans", "Men › Clothing › Jeans", "color,size"),
            ("socks", "Women › Clothing › Socks & Hosiery › Socks", "color,size"),
        ],
    ),
    "food": (
        "Grocery & Gourmet Food",
        "Harvest Lane,Orchard Row,Kindred,Sunmeal,Bramble,Noble Grove,Tillery,Pantrio",
        FOOD_ATTRS,
        [
            ("coffee beans", "Beverages › Coffee › Whole Coffee Beans", "flavor name,weight"),
            ("protein bars", "Snack Foods › Bars › Protein Bars", "flavor name,count"),
            ("herbal tea", "Beverages › Tea › Herbal", "flavor name,count"),
            ("beef jerky", "Snack Foods › Jerky & Dried Meats", "flavor name,weight"),
            ("olive oil", "Pantry Staples › Cooking Oils › Olive Oil", "volume"),
            ("dark chocolate", "Snacks & Sweets › Chocolate", "flavor name,count"),
        ],
    ),
    "furniture": (
        "Home & Kitchen",
        "Oakridge,Nestwell,Linden & Co,Cassio,Hearthly,Woodmere,Alcove,Brevik",
        FURNITURE_ATTRS,
        [
            ("ottoman bench", "Furniture › Living Room Furniture › Ottomans", "color,dimensions"),
            ("bookshelf", "Furniture › Home Office Furniture › Bookcases", "color,style"),
            ("office chair", "Furniture › Home Office Furniture › Chairs", "color"),
            ("coffee table", "Furniture › Living Room Furniture › Tables", "color,style"),
            ("bed frame", "Furniture › Bedroom Furniture › Beds & Frames", "color,bed size"),
            ("nightstand", "Furniture › Bedroom Furniture › Nightstands", "color"),
        ],
    ),
}

CATEGORIES: dict[str, tuple[str, tuple[ProductType, ...], tuple[str, ...]]] = {
    category: (
        root,
        tuple(ProductType(query, path, attributes, _words(kinds)) for query, path, kinds in rows),
        _words(brands),
    )
    for category, (root, brands, attributes, rows) in _TABLE.items()
}

OPENERS = (
    "i am looking for",
    "i need",
    "i want",
    "find me",
    "i'm looking for",
    "buy me",
    "please get me",
    "i would like",
)
DESCRIPTION_LINES = (
    "Designed for everyday use and built to last.",
    "Backed by our satisfaction guarantee.",
    "A thoughtful gift for family and friends.",
    "Carefully inspected before shipping.",
    "Packaged in recyclable materials.",
    "Customers love its value for money.",
)
