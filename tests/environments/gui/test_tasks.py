"""Screen generation without a browser: splits' pools, determinism, icon names, options."""

import pytest

from agentrl.environments.gui.env import GroundingEnv
from agentrl.environments.gui.layouts import HELDOUT_LAYOUTS, LAYOUTS
from agentrl.environments.gui.screens import ScreenSpec, build_screen
from agentrl.environments.gui.tasks import HELDOUT_THEMES, screen_spec


def test_heldout_layouts_and_themes_never_appear_in_train_or_valid():
    for split in ("train", "valid"):
        specs = [screen_spec(split, index) for index in range(200)]
        assert not {s.layout for s in specs} & set(HELDOUT_LAYOUTS)
        assert not {s.theme for s in specs} & set(HELDOUT_THEMES)
    heldout = [screen_spec("heldout", index) for index in range(50)]
    assert {s.layout for s in heldout} <= set(HELDOUT_LAYOUTS)
    assert {s.theme for s in heldout} <= set(HELDOUT_THEMES)
    assert {s.platform for s in heldout} == {"desktop", "web", "mobile"}
    assert screen_spec("train", 3) == screen_spec("train", 3) != screen_spec("valid", 3)


def test_every_layout_builds_deterministically_with_named_icons():
    for name, layout in LAYOUTS.items():
        spec = ScreenSpec(layout=name, theme="dark", density="compact",
                          platform=layout.platforms[0], width=1280, height=800, seed=1)
        page, elements = build_screen(spec)
        assert build_screen(spec) == (page, elements)
        icons = [e for e in elements.values() if e.data_type == "icon"]
        assert icons, name
        for element in icons:
            if element.role == "button":
                assert f'aria-label="{element.name}"' in page


def test_invalid_options_are_clear_errors():
    with pytest.raises(ValueError, match="scores boxes"):
        GroundingEnv(answer="point", reward="gui-g1")
    with pytest.raises(ValueError, match="coordinates"):
        GroundingEnv(coordinates="relative")
    with pytest.raises(ValueError, match="data_format"):
        GroundingEnv(data_format="mind2web", data_path="x")
