"""smart_resize against hand-computed sizes and transformers' own; coordinate conversions."""

import pytest

from agentrl.environments.gui.coords import (
    from_model_space,
    smart_resize,
    to_model_space,
    to_pixels,
    to_proportions,
    xywh_to_xyxy,
)


@pytest.mark.parametrize(("height", "width", "expected"), [
    (800, 1280, (784, 1260)),  # 812 x 1288 > max_pixels: beta = sqrt(1024000 / 1003520)
    (1080, 1920, (728, 1316)),  # beta = 1.43747: floor(26.83) * 28, floor(47.70) * 28
    (844, 390, (840, 392)),  # round(30.14) * 28, round(13.93) * 28, under max_pixels
    (20, 30, (56, 84)),  # 28 x 28 < min_pixels: beta = sqrt(3136 / 600), ceil
])
def test_smart_resize_matches_hand_computed_sizes(height, width, expected):
    assert smart_resize(height, width) == expected


def test_smart_resize_matches_transformers_qwen2_vl():
    module = pytest.importorskip("transformers.models.qwen2_vl.image_processing_pil_qwen2_vl")
    reference = module.smart_resize

    for height, width in [(800, 1280), (1080, 1920), (844, 390), (2160, 3840), (50, 900)]:
        for min_pixels, max_pixels in [(3136, 1003520), (3136, 401408), (200704, 1003520)]:
            assert smart_resize(height, width, 28, min_pixels, max_pixels) == reference(
                height, width, factor=28, min_pixels=min_pixels, max_pixels=max_pixels)


def test_smart_resize_rejects_tiny_sides_and_extreme_aspect():
    with pytest.raises(ValueError, match=">= 10"):
        smart_resize(9, 100)
    with pytest.raises(ValueError, match="aspect"):
        smart_resize(10, 2100)


def test_boxes_round_trip_through_proportions_and_model_space():
    box = xywh_to_xyxy([100, 50, 20, 10])
    assert box == (100, 50, 120, 60)
    assert to_pixels(to_proportions(box, 1000, 500), 2000, 1000) == (200, 100, 240, 120)
    assert from_model_space([500, 250], 1260, 784, "normalised") == [630.0, 196.0]
    assert to_model_space([630, 196], 1260, 784, "normalised") == [500, 250]
    assert to_model_space([10.4, 20.6], 1260, 784, "absolute") == [10, 21]
