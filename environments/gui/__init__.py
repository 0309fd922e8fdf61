"""GUI grounding on generated screens rendered in headless Chromium (or on ScreenSpot,
ScreenSpot-v2, ScreenSpot-Pro): `gui-grounding` (one answer; GUI-G1, GUI-G2 and click
rewards) and `gui-cursor` (GUI-Cursor's moving cursor), each also in accessibility-text mode."""

from agentrl.core.registry import register

register("gui-grounding", "agentrl.environments.gui.env:GroundingEnv")
register("gui-cursor", "agentrl.environments.gui.cursor:CursorEnv")
