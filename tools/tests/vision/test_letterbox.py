from __future__ import annotations

import numpy as np

from smartcamrt_tools.vision.letterbox import PAD_VALUE, letterbox, preprocess


def test_wide_image_is_padded_top_and_bottom():
    image = np.full((720, 1280, 3), 200, dtype=np.uint8)
    padded, info = letterbox(image, (640, 640))
    assert padded.shape == (640, 640, 3)
    assert info.scale == 0.5 and (info.pad_x, info.pad_y) == (0, 140)
    assert (padded[:140] == PAD_VALUE).all() and (padded[-140:] == PAD_VALUE).all()
    assert (padded[140:500] == 200).all()


def test_odd_padding_and_non_square_target():
    image = np.zeros((101, 50, 3), dtype=np.uint8)
    padded, info = letterbox(image, (64, 96))  # H, W
    assert padded.shape == (64, 96, 3)
    new_w = round(50 * info.scale)
    assert info.pad_x + new_w <= 96 and abs(2 * info.pad_x + new_w - 96) <= 1


def test_tensor_is_rgb_nchw_unit_range():
    image = np.zeros((32, 32, 3), dtype=np.uint8)
    image[..., 0] = 255  # blue in BGR
    batch, _ = preprocess(image, (32, 32))
    assert batch.shape == (1, 3, 32, 32) and batch.dtype == np.float32
    assert batch[0, 2].min() == 1.0 and batch[0, 0].max() == 0.0  # blue ends up in channel 2 (RGB)
    assert batch.flags["C_CONTIGUOUS"]
