"""A restricted arithmetic evaluator: the pure calculator used when no sandbox is available.

Only number literals, ``+ - * / // % **``, unary signs, parentheses, the constants ``pi``
and ``e`` and a few math functions are allowed; anything else (names, attributes,
subscripts, comprehensions, strings) is refused before evaluation. Exponents and results
are bounded so ``9**9**9`` cannot hang the process.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

MAX_EXPONENT = 1000
MAX_MAGNITUDE = 10**100
MAX_LENGTH = 500

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}  # fmt: skip
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.UAdd: operator.pos, ast.USub: operator.neg,
}  # fmt: skip
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sqrt": math.sqrt, "log": math.log, "exp": math.exp, "sin": math.sin, "cos": math.cos,
    "tan": math.tan, "abs": abs, "round": round, "min": min, "max": max,
    "floor": math.floor, "ceil": math.ceil,
}  # fmt: skip
CONSTANTS = {"pi": math.pi, "e": math.e}


class CalculatorError(ValueError):
    """The expression is not allowed or cannot be evaluated; the message says why."""


def evaluate(expression: str) -> int | float:
    """Evaluate an arithmetic ``expression`` safely (see the module docstring)."""
    if len(expression) > MAX_LENGTH:
        raise CalculatorError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise CalculatorError(f"cannot parse {expression!r}: {error.msg}") from None
    try:
        value = _eval(tree.body)
    except (ArithmeticError, ValueError, TypeError) as error:
        if isinstance(error, CalculatorError):
            raise
        raise CalculatorError(f"{type(error).__name__}: {error}") from None
    return _bounded(value)


def _bounded(value: Any) -> int | float:
    if isinstance(value, complex) or not isinstance(value, (int, float)):
        raise CalculatorError(f"result {value!r} is not a real number")
    if abs(value) > MAX_MAGNITUDE:
        raise CalculatorError("result too large (over 1e100)")
    return value


def _eval(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.Name) and node.id in CONSTANTS:
        return CONSTANTS[node.id]
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _bounded(_UNARY[type(node.op)](_eval(node.operand)))
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise CalculatorError(f"exponent {right} too large (limit {MAX_EXPONENT})")
        return _bounded(_BINARY[type(node.op)](left, right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id not in FUNCTIONS or node.keywords:
            allowed = ", ".join(FUNCTIONS)
            raise CalculatorError(f"function {node.func.id!r} is not allowed; allowed: {allowed}")
        return _bounded(FUNCTIONS[node.func.id](*[_eval(arg) for arg in node.args]))
    raise CalculatorError(
        f"{ast.unparse(node)!r} is not allowed: use numbers, + - * / // % **, parentheses, "
        f"pi, e and {', '.join(FUNCTIONS)}"
    )
