"""Imported by the env processes' fork server (`agentrl.core.process_env`): warms TextWorld.

Loading a generated game parses TextWorld's game logic, which every generated game shares
(about 1.5 s of CPU); TextWorld memoises the parse by its text. Importing this module does
that parse once, in the fork server, so each env process forked after it loads its game in
about 0.1 s. Nothing else imports it.
"""

from __future__ import annotations

from textworld.generator.data import KnowledgeBase
from textworld.logic import GameLogic

GameLogic.parse(KnowledgeBase.default().logic.serialize())
