"""WebShop's pages and transitions, shared by the text env and the HTML site.

Pages, as in WebShop's ``web_agent_site``: ``search`` (instruction + search bar),
``results`` (10 products a page out of at most 50 hits, ``< Prev`` / ``Next >``),
``item`` (options as radio buttons, ``Description`` / ``Features`` / ``Reviews``,
``Buy Now``), ``item_sub`` (one of those three sub-pages) and ``done`` (the score).
A page is a list of `Element`; text mode joins their texts with `` [SEP] `` as WebShop's
simple text mode does, the HTML site draws the same elements.

Actions: ``search[keywords]`` where a search bar is shown, ``click[name]`` where ``name``
(case-insensitive) is a button, a product ASIN or an option value on the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from agentrl.core.env import quote_action
from agentrl.environments.webshop.instructions import Goal
from agentrl.environments.webshop.reward import RewardBreakdown, webshop_reward
from agentrl.environments.webshop.shop import Shop

PRODUCT_WINDOW = 10  # products per results page
BUY_NOW, NEXT_PAGE, PREV_PAGE, BACK_TO_SEARCH = "Buy Now", "Next >", "< Prev", "Back to Search"
SUB_PAGES = ("Description", "Features", "Reviews")
SEP = " [SEP] "
_ACTION = re.compile(r"^\s*(\w+)\s*\[(.*)\]\s*$", re.DOTALL)

PageKind = Literal["search", "results", "item", "item_sub", "done"]
ElementKind = Literal["text", "title", "button", "link", "option_group", "option", "search_bar"]


@dataclass(frozen=True)
class Element:
    """One visible piece of a page. ``group`` names an option's option group."""

    kind: ElementKind
    text: str
    group: str = ""
    selected: bool = False

    @property
    def clickable(self) -> bool:
        """Whether the agent can click the element (buttons, links, options)."""
        return self.kind in ("button", "link", "option")


@dataclass
class Session:
    """One shopper's state: the goal, the page and what is chosen on it."""

    goal: Goal
    page: PageKind = "search"
    keywords: str = ""
    page_num: int = 1
    hits: list[str] = field(default_factory=list)
    asin: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    sub_page: str | None = None
    reward: RewardBreakdown | None = None

    @property
    def done(self) -> bool:
        """Whether the shopper has bought an item (the episode is over)."""
        return self.page == "done"


@dataclass(frozen=True)
class Outcome:
    """What an action did: whether it was valid and, if not, why."""

    valid: bool
    error: str = ""


def parse_action(action: str) -> tuple[str, str] | None:
    """``"click[Buy Now]"`` -> ("click", "Buy Now"); None when not ``name[arg]``."""
    match = _ACTION.match(action)
    return (match.group(1).lower(), match.group(2).strip()) if match else None


class Engine:
    """Runs sessions against a `Shop`: renders pages and applies actions."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop

    # ---- pages -------------------------------------------------------------------------
    def page(self, session: Session) -> list[Element]:
        """The elements of the session's current page, top to bottom."""
        render = {
            "search": self._search_page,
            "results": self._results_page,
            "item": self._item_page,
            "item_sub": self._sub_page,
            "done": self._done_page,
        }[session.page]
        return render(session)

    def _instruction(self, session: Session) -> list[Element]:
        return [Element("text", "Instruction:"), Element("text", session.goal["instruction_text"])]

    def _search_page(self, session: Session) -> list[Element]:
        return [
            Element("title", "WebShop"),
            *self._instruction(session),
            Element("search_bar", "Search"),
        ]

    def _results_page(self, session: Session) -> list[Element]:
        elements = [*self._instruction(session), Element("button", BACK_TO_SEARCH)]
        elements.append(
            Element("text", f"Page {session.page_num} (Total results: {len(session.hits)})")
        )
        if session.page_num > 1:
            elements.append(Element("button", PREV_PAGE))
        elements.append(Element("button", NEXT_PAGE))
        start = (session.page_num - 1) * PRODUCT_WINDOW
        for asin in session.hits[start : start + PRODUCT_WINDOW]:
            product = self.shop.by_asin[asin]
            elements += [
                Element("link", asin),
                Element("text", product["Title"]),
                Element("text", product["Price"]),
            ]
        return elements

    def _item_page(self, session: Session) -> list[Element]:
        product = self.shop.by_asin[session.asin or ""]
        elements = [
            *self._instruction(session),
            Element("button", BACK_TO_SEARCH),
            Element("button", PREV_PAGE),
        ]
        for name, values in product["options"].items():
            elements.append(Element("option_group", name))
            chosen = session.options.get(name)
            elements += [Element("option", v, group=name, selected=v == chosen) for v in values]
        elements += [
            Element("title", product["Title"]),
            Element("text", f"Price: {product['Price']}"),
            Element("text", f"Rating: {product['Rating']}"),
            *(Element("button", name) for name in SUB_PAGES),
            Element("button", BUY_NOW),
        ]
        return elements

    def _sub_page(self, session: Session) -> list[Element]:
        product = self.shop.by_asin[session.asin or ""]
        elements = [
            *self._instruction(session),
            Element("button", BACK_TO_SEARCH),
            Element("button", PREV_PAGE),
        ]
        if session.sub_page == "Description":
            elements.append(Element("text", product["Description"]))
        elif session.sub_page == "Features":
            elements += [Element("text", bullet) for bullet in product["BulletPoints"]]
        else:
            for review in product["Reviews"]:
                elements += [
                    Element("text", str(review.get(key, ""))) for key in ("title", "score", "body")
                ]
        return elements

    def _done_page(self, session: Session) -> list[Element]:
        score = session.reward.total if session.reward else 0.0
        return [
            Element("title", "Thank you for shopping with us!"),
            Element("text", "Purchased"),
            Element("text", f"asin {session.asin}"),
            Element(
                "text", "options " + ", ".join(f"{k}: {v}" for k, v in session.options.items())
            ),
            Element("text", "Your score (min 0.0, max 1.0)"),
            Element("text", f"{score}"),
        ]

    def text(self, session: Session) -> str:
        """The page in WebShop's simple text mode: visible texts joined by `` [SEP] ``."""
        return SEP.join(element.text for element in self.page(session))

    def available_actions(self, session: Session) -> list[str]:
        """Admissible actions: the search template where a search bar is, then clickables."""
        page = self.page(session)
        actions = ["search[<your query>]"] if any(e.kind == "search_bar" for e in page) else []
        return actions + [f"click[{e.text}]" for e in page if e.clickable]

    # ---- transitions -------------------------------------------------------------------
    def act(self, session: Session, action: str) -> Outcome:
        """Apply ``action`` to ``session``; an inadmissible one changes nothing."""
        if session.done:
            return Outcome(False, "the purchase is complete; the episode is over")
        parsed = parse_action(action)
        if parsed is None:
            return Outcome(False, "actions look like search[keywords] or click[name]")
        verb, argument = parsed
        page = self.page(session)
        if verb == "search":
            if not any(e.kind == "search_bar" for e in page):
                return Outcome(
                    False, "there is no search bar on this page; click[Back to Search] first"
                )
            if not argument:
                return Outcome(False, "search[] needs keywords")
            self.search(session, argument)
            return Outcome(True)
        if verb != "click":
            return Outcome(
                False, f"unknown action {quote_action(verb)}; use search[...] or click[...]"
            )
        clickables = {e.text.lower(): e for e in page if e.clickable}
        element = clickables.get(argument.lower())
        if element is None:
            return Outcome(False, f"{quote_action(argument)} is not clickable on this page")
        self._click(session, element)
        return Outcome(True)

    def search(self, session: Session, keywords: str, page_num: int = 1) -> None:
        """Run a search and show results page ``page_num``."""
        session.keywords, session.page_num = keywords, page_num
        session.hits = self.shop.index.search(keywords.lower())
        session.page, session.asin, session.options, session.sub_page = "results", None, {}, None

    def _click(self, session: Session, element: Element) -> None:
        if element.kind == "link":
            session.page, session.asin, session.options = "item", element.text, {}
        elif element.kind == "option":
            session.options[element.group] = element.text
        elif element.text == BACK_TO_SEARCH:
            session.page, session.keywords, session.hits = "search", "", []
            session.asin, session.options, session.sub_page = None, {}, None
        elif element.text == NEXT_PAGE:
            session.page_num += 1
        elif element.text == PREV_PAGE:
            self._go_back(session)
        elif element.text in SUB_PAGES:
            session.page, session.sub_page = "item_sub", element.text
        elif element.text == BUY_NOW:
            self._buy(session)

    def _go_back(self, session: Session) -> None:
        if session.page == "results":
            session.page_num -= 1
        elif session.page == "item_sub":
            session.page, session.sub_page = "item", None
        elif session.page == "item":
            session.page, session.asin, session.options = "results", None, {}

    def _buy(self, session: Session) -> None:
        asin = session.asin or ""
        session.reward = webshop_reward(
            self.shop.by_asin[asin], session.goal, self.shop.prices[asin], session.options
        )
        session.page = "done"
