"""@tool: schemas from signatures and docstrings, validation with pydantic's messages."""

from __future__ import annotations

import asyncio
from typing import Literal

import pytest

from agentrl.tools import Tool, ToolArgumentError, tool
from agentrl.tools.decorator import parse_docstring


@tool
def lookup(word: str, limit: int = 3, mode: Literal["exact", "fuzzy"] = "exact") -> str:
    """Look a word up in the dictionary.

    Second line of the summary is not part of it.

    Args:
        word: The word to look up.
        limit: At most this many
            definitions.
        mode: How to match.

    Returns:
        The definitions.
    """
    return f"{word}:{limit}:{mode}"


def test_tool_spec_is_openai_function_format_with_docstring_descriptions():
    assert isinstance(lookup, Tool)
    assert lookup.spec == {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "Look a word up in the dictionary.",
            "parameters": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "word": {"type": "string", "description": "The word to look up."},
                    "limit": {
                        "type": "integer",
                        "default": 3,
                        "description": "At most this many definitions.",
                    },
                    "mode": {
                        "type": "string",
                        "enum": ["exact", "fuzzy"],
                        "default": "exact",
                        "description": "How to match.",
                    },
                },
                "required": ["word"],
            },
        },
    }


def test_decorated_function_still_callable():
    assert lookup("cat", 2) == "cat:2:exact"


def test_validate_fills_defaults_and_coerces_like_pydantic():
    assert lookup.validate({"word": "cat", "limit": "5"}) == {
        "word": "cat",
        "limit": 5,
        "mode": "exact",
    }


def test_validate_reports_pydantic_message_without_urls():
    with pytest.raises(ToolArgumentError) as caught:
        lookup.validate({"limit": "many", "colour": "red"})
    message = str(caught.value)
    assert "word\n  Field required" in message
    assert "limit\n  Input should be a valid integer" in message
    assert "colour\n  Extra inputs are not permitted" in message
    assert "errors.pydantic.dev" not in message


def test_named_tool_and_async_detection():
    @tool(name="fetch_page", description="Fetch a page.")
    async def fetch(url: str) -> str:
        await asyncio.sleep(0)
        return url

    assert fetch.name == "fetch_page"
    assert fetch.description == "Fetch a page."
    assert fetch.is_async


def test_missing_type_hint_is_a_clear_error():
    with pytest.raises(TypeError, match="parameter 'x' needs a type hint"):

        @tool
        def bad(x) -> str:  # noqa: ANN001
            """No hint."""
            return x


def test_parse_docstring_sections():
    summary, params = parse_docstring(
        """Do it.

        Args:
            a (int): First.
            b: Second,
                continued.
        Raises:
            ValueError: never a parameter.
        """
    )
    assert summary == "Do it."
    assert params == {"a": "First.", "b": "Second, continued."}
