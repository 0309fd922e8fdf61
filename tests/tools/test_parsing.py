"""Tool-call parsing: Hermes tags, ReAct actions, bare JSON, answers, and errors."""

from __future__ import annotations

from agentrl.tools.parsing import NO_CALL_MESSAGE, ToolCall, parse_reply


def test_hermes_tool_calls_in_order_with_think_removed():
    reply = (
        "<think>maybe <tool_call>{bad}</tool_call></think>"
        '<tool_call>\n{"name": "search", "arguments": {"query": "Zorvex Labs"}}\n</tool_call>'
        '<tool_call>{"name": "open", "arguments": "{\\"doc_id\\": \\"d1\\"}"}</tool_call>'
    )
    parsed = parse_reply(reply)
    assert parsed.error is None and parsed.answer is None
    assert parsed.calls == [
        ToolCall("search", {"query": "Zorvex Labs"}),
        ToolCall("open", {"doc_id": "d1"}),
    ]


def test_hermes_bad_json_is_an_error_naming_the_body():
    parsed = parse_reply('<tool_call>{"name": "search", "arguments": {query}}</tool_call>')
    assert parsed.calls == []
    assert parsed.error.startswith("the <tool_call> body is not valid JSON")


def test_react_python_call_with_positional_and_keywords():
    parsed = parse_reply('Thought.<action>search("a b", k=2)</action>')
    assert parsed.calls == [ToolCall("search", {"k": 2}, ["a b"])]


def test_react_json_action_and_non_literal_error():
    parsed = parse_reply('<action>{"name": "add", "arguments": {"a": 1}}</action>')
    assert parsed.calls == [ToolCall("add", {"a": 1})]
    bad = parse_reply("<action>add(a=x)</action>")
    assert bad.error == "the action 'add(a=x)' has a non-literal argument; " + (
        "write name(arg=value, ...) with literal values"
    )


def test_bare_json_llama_and_mistral_forms():
    llama = parse_reply('{"name": "add", "parameters": {"a": 1, "b": 2}}')
    assert llama.calls == [ToolCall("add", {"a": 1, "b": 2})]
    mistral = parse_reply('[TOOL_CALLS] [{"name": "add", "arguments": {"a": 3}}]')
    assert mistral.calls == [ToolCall("add", {"a": 3})]


def test_answer_tag_and_answer_tool_are_equivalent():
    assert parse_reply("<answer> Brelvik </answer>").answer == "Brelvik"
    parsed = parse_reply(
        '<tool_call>{"name": "search", "arguments": {"query": "q"}}</tool_call>'
        '<tool_call>{"name": "final_answer", "arguments": {"answer": "Brelvik"}}</tool_call>'
    )
    assert parsed.calls == [ToolCall("search", {"query": "q"})]
    assert parsed.answer == "Brelvik"


def test_answer_tool_without_answer_argument_is_an_error():
    parsed = parse_reply('<tool_call>{"name": "final_answer", "arguments": {}}</tool_call>')
    assert parsed.error == "tool 'final_answer' needs the argument 'answer', got {}"


def test_plain_prose_is_no_call():
    parsed = parse_reply("I think the answer is 4.")
    assert parsed.calls == [] and parsed.answer is None
    assert parsed.error == NO_CALL_MESSAGE


def test_canonical_form_is_key_sorted():
    assert ToolCall("f", {"b": 1, "a": 2}).canonical() == (
        '{"arguments": {"a": 2, "b": 1}, "name": "f"}'
    )
