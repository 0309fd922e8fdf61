"""ScreenSpot, ScreenSpot-v2 and ScreenSpot-Pro loaders on tiny fixtures in their formats."""

import json

import pytest
from PIL import Image

from agentrl.environments.gui.env import GroundingEnv
from agentrl.environments.gui.real_data import (
    load_screenspot,
    load_screenspot_pro,
    load_screenspot_v2,
)


def write_png(path, size):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 200, 200)).save(path)


def screenspot_fixture(root, suffix):
    write_png(root / "images" / "m.png", (200, 400))
    write_png(root / "images" / "w.png", (1000, 500))
    rows = {
        "mobile": [{"img_filename": "m.png", "instruction": "open settings",
                    "bbox": [20, 40, 10, 20], "data_type": "icon", "data_source": "ios"}],
        "web": [{"img_filename": "w.png", "instruction": "click sign in",
                 "bbox": [100, 50, 200, 25], "data_type": "text", "data_source": "github"}],
    }
    for platform, items in rows.items():
        (root / f"screenspot_{platform}{suffix}.json").write_text(json.dumps(items))


@pytest.mark.parametrize(("loader", "suffix"), [(load_screenspot, ""),
                                                (load_screenspot_v2, "_v2")])
def test_screenspot_boxes_are_xywh_and_categories_platform_by_type(tmp_path, loader, suffix):
    screenspot_fixture(tmp_path, suffix)
    tasks = loader(tmp_path)
    by_instruction = {t.instruction: t for t in tasks}
    mobile = by_instruction["open settings"].metadata
    assert mobile["box"] == pytest.approx([0.1, 0.1, 0.15, 0.15])  # xywh -> xyxy / (200, 400)
    assert mobile["category"] == "mobile/icon" and mobile["data_source"] == "ios"
    web = by_instruction["click sign in"].metadata
    assert web["box"] == pytest.approx([0.1, 0.1, 0.3, 0.15])
    assert web["category"] == "web/text"
    assert all(t.split == "heldout" for t in tasks)


def test_screenspot_v2_does_not_read_v1_files(tmp_path):
    screenspot_fixture(tmp_path, "")
    with pytest.raises(FileNotFoundError, match="_v2"):
        load_screenspot_v2(tmp_path)


def test_screenspot_pro_boxes_are_xyxy_and_categories_group_by_ui_type(tmp_path):
    write_png(tmp_path / "images" / "vscode_1.png", (400, 200))
    rows = [{"id": "vscode_1", "img_filename": "vscode_1.png", "bbox": [40, 20, 80, 60],
             "img_size": [400, 200], "instruction": "run the tests", "application": "vscode",
             "platform": "windows", "group": "Dev", "ui_type": "icon"}]
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "vscode_windows.json").write_text(json.dumps(rows))
    (task,) = load_screenspot_pro(tmp_path)
    assert task.metadata["box"] == pytest.approx([0.1, 0.1, 0.2, 0.3])
    assert task.metadata["category"] == "Dev/icon"
    assert task.metadata["application"] == "vscode"


def test_grounding_env_scores_a_real_benchmark_in_model_pixels(tmp_path):
    screenspot_fixture(tmp_path, "_v2")
    env = GroundingEnv(answer="point", data_format="screenspot_v2", data_path=str(tmp_path),
                       cache_dir=str(tmp_path / "cache"))
    task = next(t for t in env.tasks("heldout") if t.instruction == "click sign in")
    observation = env.reset(task)
    # 1000 x 500 -> smart_resize -> 1008 x 504; the box (100..300, 50..75) scales by 1.008
    assert "1008x504" in observation.text and len(observation.images) == 1
    assert env.step("(201, 63)").reward == 1.0
    env.reset(task)
    assert env.step("(99, 63)").reward == 0.0  # left of the box
    env.reset(task)
    assert env.demonstration(task) == ["(202, 63)"]
