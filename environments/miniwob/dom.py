"""The page as text for text models: MiniWoB's DOM tree (``core.getDOMInfo``) rendered line
by line with each element's ref, tag, id, classes, text, value, focus and box.

What is shown is what the benchmark's observation exposes (``miniwob.dom.DOMElement``):
every rendered element with a non-empty box, its ``ref`` (stable within an episode; the
argument of ``click_element``), its tag (inputs as ``input_<type>``), text of text-only
elements, input values (checked state for checkboxes and radios) and focus. Text nodes that
sit beside elements (tag ``t``) are shown without a ref: core.js renumbers them on every
call and ``click_element`` cannot target them.
"""

from __future__ import annotations

from typing import Any

TEXT_CHARS = 100  # longest text or value shown per element
CLASS_CHARS = 40
MAX_LINES = 400  # a page rendered longer is cut (the screenshot still shows it all)


def _describe(node: dict[str, Any], boxes: bool) -> str:
    tag = str(node.get("tag", "?")).lower()
    parts = [tag if tag == "t" else f"[{node.get('ref')}] {tag}"]
    if node.get("id"):
        parts[-1] += f"#{node['id']}"
    classes = node.get("classes")
    if isinstance(classes, str) and classes.strip():
        parts[-1] += "." + ".".join(classes.split())[:CLASS_CHARS]
    text = node.get("text")
    if text:
        parts.append(repr(str(text)[:TEXT_CHARS]))
    if "value" in node and node["value"] is not None:
        value = node["value"]
        shown = str(value).lower() if isinstance(value, bool) else repr(str(value)[:TEXT_CHARS])
        parts.append(f"value={shown}")
    if node.get("focused"):
        parts.append("(focused)")
    if boxes:
        x, y = round(node.get("left", 0)), round(node.get("top", 0))
        w, h = round(node.get("width", 0)), round(node.get("height", 0))
        parts.append(f"@{x},{y},{w},{h}")
    return " ".join(parts)


def flatten(root: dict[str, Any] | None) -> list[tuple[int, dict[str, Any]]]:
    """(depth, node) for every node of the tree, in document order."""
    out: list[tuple[int, dict[str, Any]]] = []
    stack = [(0, root)] if isinstance(root, dict) else []
    while stack:
        depth, node = stack.pop()
        out.append((depth, node))
        children = node.get("children") or []
        stack += [(depth + 1, c) for c in reversed(children) if isinstance(c, dict)]
    return out


def render_dom(root: dict[str, Any] | None, boxes: bool = True) -> str:
    """The tree as indented lines, ``[ref] tag#id.class 'text' value=… (focused) @x,y,w,h``."""
    lines = ["  " * depth + _describe(node, boxes) for depth, node in flatten(root)]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES] + [f"… ({len(lines) - MAX_LINES} more elements not shown)"]
    return "\n".join(lines)


def elements(root: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The element nodes (those with a ref ``click_element`` can target), in document order."""
    return [node for _, node in flatten(root) if str(node.get("tag", "")).lower() != "t"]
