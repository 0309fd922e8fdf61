"""A generated knowledge base of fictional entities, so no model can know the answers.

Countries, cities, people, companies and inventions get names built from syllables
(deterministic from a seed) and are linked: people are born in cities, companies are
founded by people and headquartered in cities, inventions are made by people and sold by
companies. Each entity has one document that states its own links but not its neighbours'
facts, so "In which city was the founder of Zorvex Labs born?" needs two look-ups.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from agentrl.core.splits import cache_dir

_SYLLABLES = (
    "ka zor vex tal in mo ra vi bre lik qu or sa den thal mir ob ush pel nax ter gol fen dra "
    "lum cor ves an ith ul bar nek sol py rin hov zet mar cal dun eph gri"
).split()
_COUNTRY_SUFFIX = ("ia", "land", "mark", "stan", "ora")
_COMPANY_SUFFIX = ("Labs", "Industries", "Works", "Systems", "Dynamics", "Foundry")
_INVENTION_KIND = ("loom", "engine", "lens", "battery", "compass", "press", "pump", "valve")
_PROFESSIONS = (
    "marine engineer", "chemist", "architect", "economist", "inventor", "physician",
    "geologist", "composer", "astronomer", "shipbuilder",
)  # fmt: skip
_INDUSTRIES = ("shipping", "textile", "optics", "energy", "mining", "software", "aerospace")
_CITY_FEATURES = (
    "its covered markets", "a glass observatory", "its salt canals", "a famous clock tower",
    "its terraced vineyards", "an old river port", "its copper bridges",
)  # fmt: skip


@dataclass
class Entity:
    """One fictional entity: its kind, name and links to other entities (by id)."""

    id: str
    kind: str
    name: str
    attributes: dict[str, str | int] = field(default_factory=dict)


@dataclass
class Document:
    """A retrievable document: ``id`` (a slug of the title), ``title`` and ``text``."""

    id: str
    title: str
    text: str


@dataclass
class KnowledgeBase:
    """Entities by id plus one document per entity (``documents[i]`` describes entity i)."""

    seed: int
    entities: dict[str, Entity]
    documents: list[Document]

    def entity(self, entity_id: str) -> Entity:
        """The entity with ``entity_id`` (a `KeyError` naming it otherwise)."""
        return self.entities[entity_id]

    def to_json(self) -> str:
        """Serialise (for the on-disk cache)."""
        return json.dumps(
            {
                "seed": self.seed,
                "entities": [asdict(e) for e in self.entities.values()],
                "documents": [asdict(d) for d in self.documents],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> KnowledgeBase:
        """Inverse of `to_json`."""
        data = json.loads(text)
        entities = {e["id"]: Entity(**e) for e in data["entities"]}
        return cls(data["seed"], entities, [Document(**d) for d in data["documents"]])


def slug(name: str) -> str:
    """``"Zorvex Labs"`` -> ``"zorvex-labs"``: the document id of a title."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class _Namer:
    """Draws globally unique syllable words so every title (and doc id) is distinct."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def word(self, low: int = 2, high: int = 3) -> str:
        while True:
            parts = self.rng.choices(_SYLLABLES, k=self.rng.randint(low, high))
            word = "".join(parts).capitalize()
            if word not in self.used and len(word) >= 4:
                self.used.add(word)
                return word


def generate_kb(seed: int = 0, scale: int = 1) -> KnowledgeBase:
    """Build the knowledge base for ``seed``; ``scale`` multiplies the entity counts.

    At scale 1: 5 countries, 20 cities, 40 people, 20 companies, 20 inventions.
    """
    rng = random.Random(seed)
    namer = _Namer(rng)
    entities: dict[str, Entity] = {}

    def add(kind: str, name: str, **attributes: str | int) -> str:
        entity = Entity(id=slug(name), kind=kind, name=name, attributes=dict(attributes))
        entities[entity.id] = entity
        return entity.id

    countries = [add("country", namer.word(2, 2) + rng.choice(_COUNTRY_SUFFIX).lower())
                 for _ in range(5 * scale)]  # fmt: skip
    cities = [
        add("city", namer.word(), country=rng.choice(countries),
            population=rng.randrange(20, 2000) * 1000, feature=rng.choice(_CITY_FEATURES))
        for _ in range(20 * scale)
    ]  # fmt: skip
    people = [
        add("person", f"{namer.word(2, 2)} {namer.word()}", born_in=rng.choice(cities),
            birth_year=rng.randint(1880, 1990), profession=rng.choice(_PROFESSIONS))
        for _ in range(40 * scale)
    ]  # fmt: skip
    companies = [
        add("company", f"{namer.word()} {rng.choice(_COMPANY_SUFFIX)}",
            founder=rng.choice(people), headquarters=rng.choice(cities),
            founded=rng.randint(1900, 2015), industry=rng.choice(_INDUSTRIES))
        for _ in range(20 * scale)
    ]  # fmt: skip
    for _ in range(20 * scale):
        add("invention", f"{namer.word()} {rng.choice(_INVENTION_KIND)}",
            inventor=rng.choice(people), maker=rng.choice(companies),
            year=rng.randint(1920, 2020))  # fmt: skip
    documents = [describe(entity, entities) for entity in entities.values()]
    return KnowledgeBase(seed, entities, documents)


def describe(entity: Entity, entities: dict[str, Entity]) -> Document:
    """The document of ``entity``: its own facts and the names of the entities it links to."""
    a = entity.attributes

    def name(key: str) -> str:
        return entities[str(a[key])].name

    if entity.kind == "country":
        text = f"{entity.name} is a country. Its capital region is known for its old archives."
    elif entity.kind == "city":
        text = (
            f"{entity.name} is a city in {name('country')}. It has about {a['population']:,} "
            f"inhabitants. The city is known for {a['feature']}."
        )
    elif entity.kind == "person":
        text = (
            f"{entity.name} (born {a['birth_year']}) is {_a(str(a['profession']))}. "
            f"{entity.name} was born in {name('born_in')} and worked there for many years."
        )
    elif entity.kind == "company":
        text = (
            f"{entity.name} is {_a(str(a['industry']))} company founded in {a['founded']}. "
            f"It was founded by {name('founder')}. Its headquarters are in {name('headquarters')}."
        )
    else:
        text = (
            f"The {entity.name} is an invention first built in {a['year']}. "
            f"It was invented by {name('inventor')}. It is manufactured by {name('maker')}."
        )
    return Document(id=entity.id, title=entity.name, text=text)


def _a(word: str) -> str:
    """``word`` with its indefinite article: "an energy", "a chemist"."""
    return f"{'an' if word[0] in 'aeiou' else 'a'} {word}"


def load_kb(seed: int = 0, scale: int = 1) -> KnowledgeBase:
    """The knowledge base for (seed, scale), generated once and cached on disk."""
    path = Path(cache_dir("search_qa")) / f"kb-seed{seed}-scale{scale}.json"
    if path.exists():
        return KnowledgeBase.from_json(path.read_text())
    kb = generate_kb(seed, scale)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(kb.to_json())
    tmp.replace(path)
    return kb
