"""Imported by the env processes' fork server (`agentrl.core.process_env`), never elsewhere:
imports, once, every module the registered env families declare with
``register(id, entry, preload=[...])`` (`agentrl.core.registry.preload_modules`), so that
each env process forked after it starts warm. A module that cannot be imported (an optional
family not installed), or
a plug-in that fails to load, is skipped: the env process then imports what it needs itself.
"""

from __future__ import annotations

import importlib

from agentrl.core.registry import preload_modules


def import_preloads() -> list[str]:
    """Import every declared preload module that imports; returns the names imported."""
    try:
        modules = preload_modules()
    except Exception:  # noqa: BLE001 - a broken plug-in must not take the fork server down
        return []
    imported = []
    for module in modules:
        try:
            importlib.import_module(module)
        except ImportError:
            continue
        imported.append(module)
    return imported


IMPORTED = import_preloads()
