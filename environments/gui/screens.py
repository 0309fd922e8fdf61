"""Seeded HTML screens: a `ScreenSpec` becomes a page and the catalogue of its targets.

A screen is a layout (settings page, mail client, editor toolbar, mobile feed, ...) filled
from a seed, styled by a theme and a density. Every element an instruction may point at
carries ``data-gid``; `build_screen` returns the HTML and, per gid, the element's name,
role, ScreenSpot ``data_type`` (``text`` when its name is written on it, ``icon`` when it is
an icon-only button named by ``aria-label`` / ``title``) and the instruction a person would
give. Which of them are visible and uncovered is for the renderer to say.
"""

from __future__ import annotations

import html
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from agentrl.environments.gui.icons import ICONS, svg

VIEWPORTS: dict[str, list[tuple[int, int]]] = {
    "desktop": [(1280, 800), (1920, 1080)],
    "web": [(1280, 800), (1920, 1080)],
    "mobile": [(390, 844)],
}
THEMES: dict[str, dict[str, str]] = {
    "light": {"bg": "#ffffff", "panel": "#f3f4f6", "fg": "#111827", "muted": "#6b7280",
              "accent": "#2563eb", "accent_fg": "#ffffff", "border": "#d1d5db"},
    "dark": {"bg": "#111318", "panel": "#1d2027", "fg": "#e5e7eb", "muted": "#9ca3af",
             "accent": "#8b5cf6", "accent_fg": "#ffffff", "border": "#374151"},
    "ocean": {"bg": "#f0f7ff", "panel": "#dbeafe", "fg": "#0c2a4a", "muted": "#4b6584",
              "accent": "#0e7490", "accent_fg": "#ffffff", "border": "#93c5fd"},
    "forest": {"bg": "#f4f8f2", "panel": "#e2eddc", "fg": "#1d3320", "muted": "#557055",
               "accent": "#2f7d32", "accent_fg": "#ffffff", "border": "#a8c5a0"},
    "sepia": {"bg": "#f7efe0", "panel": "#eadfc8", "fg": "#3b2f1e", "muted": "#7a6548",
              "accent": "#a0522d", "accent_fg": "#fff8ee", "border": "#cdb894"},
    "contrast": {"bg": "#000000", "panel": "#0a0a0a", "fg": "#ffffff", "muted": "#ffff00",
                 "accent": "#ffff00", "accent_fg": "#000000", "border": "#ffffff"},
}
DENSITIES: dict[str, tuple[int, int]] = {  # (font px, padding px)
    "compact": (12, 4),
    "regular": (14, 8),
    "comfortable": (16, 12),
}
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth"]


class ScreenSpec(BaseModel):
    """Everything a screen is built from; equal specs render equal screens."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    layout: str = Field(description="Layout name (`LAYOUTS`).")
    theme: str = Field(description="Theme name (`THEMES`).")
    density: str = Field(description="Density name (`DENSITIES`).")
    platform: str = Field(description="ScreenSpot platform: desktop, web or mobile.")
    width: int = Field(description="Viewport width in CSS pixels.")
    height: int = Field(description="Viewport height in CSS pixels.")
    seed: int = Field(description="Seed of the content.")

    @property
    def id(self) -> str:
        """A readable, unique name of the screen."""
        return (f"{self.layout}-{self.theme}-{self.density}-{self.width}x{self.height}"
                f"-{self.seed}")


@dataclass
class ElementInfo:
    """A target candidate: its name, role, ScreenSpot data_type and instruction."""

    name: str
    role: str
    data_type: str
    instruction: str
    specific: bool = False  # the instruction says more than the name (an ordinal, a row)


@dataclass
class Builder:
    """Writes elements' HTML and records each target candidate under a fresh gid."""

    rng: random.Random
    icon_px: int
    elements: dict[str, ElementInfo] = field(default_factory=dict)

    def _gid(self, info: ElementInfo) -> str:
        gid = f"g{len(self.elements)}"
        self.elements[gid] = info
        return gid

    def say(self, *options: str) -> str:
        """One of several phrasings, seeded."""
        return self.rng.choice(options)

    def button(self, label: str, primary: bool = False, instruction: str | None = None) -> str:
        """A text button."""
        said = instruction or self.say(f"click the {label} button", f"{label.lower()}",
                                       f"press {label}")
        gid = self._gid(ElementInfo(label, "button", "text", said, instruction is not None))
        cls = "btn primary" if primary else "btn"
        return f'<button class="{cls}" data-gid="{gid}">{html.escape(label)}</button>'

    def icon(self, name: str, instruction: str | None = None, label: str | None = None) -> str:
        """An icon-only button named by aria-label and title."""
        label = label or name
        said = instruction or self.say(f"click the {label} icon", label, f"{label} button")
        gid = self._gid(ElementInfo(label, "button", "icon", said, instruction is not None))
        return (f'<button class="icon" data-gid="{gid}" aria-label="{html.escape(label)}" '
                f'title="{html.escape(label)}">{svg(name, self.icon_px)}</button>')

    def link(self, label: str, instruction: str | None = None) -> str:
        """A text link."""
        said = instruction or self.say(f"open {label}", f"go to {label}", label.lower())
        gid = self._gid(ElementInfo(label, "link", "text", said, instruction is not None))
        return f'<a href="#" class="link" data-gid="{gid}">{html.escape(label)}</a>'

    def tab(self, label: str, active: bool = False) -> str:
        """A tab of a tab bar."""
        said = self.say(f"switch to the {label} tab", f"open the {label} tab", label.lower())
        gid = self._gid(ElementInfo(label, "tab", "text", said))
        cls = "tab active" if active else "tab"
        return f'<button role="tab" class="{cls}" data-gid="{gid}">{html.escape(label)}</button>'

    def toggle(self, label: str, on: bool) -> str:
        """A labelled switch; the switch itself is the target."""
        said = self.say(f"toggle {label.lower()}",
                        f"turn {'off' if on else 'on'} {label.lower()}")
        gid = self._gid(ElementInfo(label, "switch", "icon", said))
        state = "on" if on else "off"
        return (f'<div class="row"><span>{html.escape(label)}</span><span role="switch" '
                f'aria-label="{html.escape(label)}" aria-checked="{str(on).lower()}" '
                f'class="switch {state}" data-gid="{gid}"><span class="knob"></span></span></div>')

    def field(self, label: str, placeholder: str) -> str:
        """A labelled text input."""
        said = self.say(f"click the {label.lower()} field", f"type in the {label.lower()} box",
                        f"enter {label.lower()}")
        gid = self._gid(ElementInfo(label, "textbox", "text", said))
        return (f'<label class="field"><span>{html.escape(label)}</span><input data-gid="{gid}" '
                f'aria-label="{html.escape(label)}" placeholder="{html.escape(placeholder)}">'
                f'</label>')

    def checkbox(self, label: str) -> str:
        """A checkbox with its label; the label text is the target."""
        said = self.say(f"check {label.lower()}", f"tick the {label.lower()} box")
        gid = self._gid(ElementInfo(label, "checkbox", "text", said))
        return (f'<label class="check" data-gid="{gid}" role="checkbox">'
                f'<input type="checkbox" tabindex="-1"> {html.escape(label)}</label>')

    def menu_item(self, label: str) -> str:
        """An entry of an open menu."""
        said = self.say(f"select {label} from the menu", f"choose {label}", label.lower())
        gid = self._gid(ElementInfo(label, "menuitem", "text", said))
        return f'<div role="menuitem" class="menuitem" data-gid="{gid}">{html.escape(label)}</div>'

    def text(self, words: str, tag: str = "span", cls: str = "") -> str:
        """Plain text, never a target."""
        return f'<{tag} class="{cls}">{html.escape(words)}</{tag}>'

    def pick_icons(self, count: int, exclude: tuple[str, ...] = ()) -> list[str]:
        """``count`` distinct icon names."""
        names = [name for name in ICONS if name not in exclude]
        return self.rng.sample(names, count)


def page_css(theme: str, density: str) -> str:
    """The stylesheet of a theme and density."""
    colours = THEMES[theme]
    font, pad = DENSITIES[density]
    variables = ";".join(f"--{key}:{value}" for key, value in colours.items())
    return f"""
:root{{{variables}}}
*{{box-sizing:border-box}}
html,body{{margin:0;height:100%;overflow:hidden}}
body{{background:var(--bg);color:var(--fg);font:{font}px/1.4 "DejaVu Sans",sans-serif}}
.bar{{display:flex;align-items:center;gap:{pad}px;padding:{pad}px {pad * 2}px;
  background:var(--panel);border-bottom:1px solid var(--border)}}
.grow{{flex:1}} .muted{{color:var(--muted)}} .title{{font-weight:bold;font-size:1.2em}}
.btn{{font:inherit;padding:{pad}px {pad * 2}px;border:1px solid var(--border);
  background:var(--panel);color:var(--fg);border-radius:4px}}
.btn.primary{{background:var(--accent);color:var(--accent_fg);border-color:var(--accent)}}
.icon{{display:inline-flex;padding:{pad}px;border:none;background:none;color:var(--fg);
  border-radius:4px}}
.link{{color:var(--accent)}}
.tabs{{display:flex;gap:{pad}px;padding:0 {pad * 2}px;border-bottom:1px solid var(--border)}}
.tab{{font:inherit;background:none;border:none;color:var(--muted);padding:{pad}px {pad * 2}px}}
.tab.active{{color:var(--fg);border-bottom:3px solid var(--accent)}}
.row{{display:flex;align-items:center;justify-content:space-between;gap:{pad}px;
  padding:{pad}px {pad * 2}px;border-bottom:1px solid var(--border)}}
.switch{{display:inline-block;width:40px;height:22px;border-radius:11px;
  background:var(--border);position:relative}}
.switch.on{{background:var(--accent)}}
.knob{{position:absolute;top:3px;left:3px;width:16px;height:16px;border-radius:8px;
  background:var(--bg)}}
.switch.on .knob{{left:21px}}
.field{{display:flex;flex-direction:column;gap:2px;margin:{pad}px 0}}
.field input{{font:inherit;padding:{pad}px;border:1px solid var(--border);
  background:var(--bg);color:var(--fg);width:100%}}
.check{{display:inline-flex;gap:4px;margin:{pad}px 0}}
.menu{{position:absolute;background:var(--bg);border:1px solid var(--border);
  box-shadow:0 4px 16px rgba(0,0,0,.3);min-width:180px;z-index:10}}
.menuitem{{padding:{pad}px {pad * 2}px}}
.overlay{{position:fixed;inset:0;background:rgba(0,0,0,.45);z-index:20}}
.dialog{{position:fixed;left:50%;top:40%;transform:translate(-50%,-50%);background:var(--bg);
  border:1px solid var(--border);padding:{pad * 3}px;z-index:21;min-width:300px;
  max-width:90vw}}
.main{{display:flex;height:100%}}
.side{{width:220px;background:var(--panel);border-right:1px solid var(--border);
  display:flex;flex-direction:column;padding:{pad}px}}
.content{{flex:1;padding:{pad * 2}px;overflow:hidden}}
.card{{border:1px solid var(--border);border-radius:6px;padding:{pad * 2}px;margin:{pad}px 0}}
table{{border-collapse:collapse;width:100%}}
td,th{{text-align:left;padding:{pad}px;border-bottom:1px solid var(--border)}}
.grid{{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:{pad}px}}
"""


def build_screen(spec: ScreenSpec) -> tuple[str, dict[str, ElementInfo]]:
    """The page of ``spec`` and its target candidates by gid."""
    from agentrl.environments.gui.layouts import LAYOUTS  # layouts use the Builder above

    if spec.layout not in LAYOUTS:
        raise ValueError(f"unknown layout {spec.layout!r}; layouts: {', '.join(LAYOUTS)}")
    font, _ = DENSITIES[spec.density]
    builder = Builder(random.Random(f"{spec.id}"), icon_px=font + 6)
    body = LAYOUTS[spec.layout].render(builder)
    page = (f'<!doctype html><html><head><meta charset="utf-8"><style>'
            f"{page_css(spec.theme, spec.density)}</style></head><body>{body}</body></html>")
    return page, builder.elements


@dataclass(frozen=True)
class Layout:
    """A layout: the platforms it is drawn for and the function writing its body."""

    platforms: tuple[str, ...]
    render: Callable[[Builder], str]
