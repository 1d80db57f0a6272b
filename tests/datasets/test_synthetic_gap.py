"""The synthetic benchmark's gap dials (appearance, content) and its
label-rich pretraining domain."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from uda_video.datasets.synthetic.scene import (
    PRETRAIN_CONTENT, PRETRAIN_STYLE, SCENE_CLASSES, SOURCE_CONTENT,
    SOURCE_STYLE, TARGET_CONTENT, TARGET_STYLE, SceneRenderer, blend_content,
    blend_style)

from dataset_helpers import TINY, viper


def test_appearance_dial_interpolates_between_the_domains():
    assert blend_style(SOURCE_STYLE, TARGET_STYLE, 1.0) == TARGET_STYLE
    zero = blend_style(SOURCE_STYLE, TARGET_STYLE, 0.0)
    assert zero.palette == SOURCE_STYLE.palette
    assert (zero.noise, zero.blur, zero.texture) == (0.0, 0.0, 4.0)
    half = blend_style(SOURCE_STYLE, TARGET_STYLE, 0.5)
    for name in SOURCE_STYLE.palette:
        mid = (np.array(SOURCE_STYLE.palette[name]) +
               np.array(TARGET_STYLE.palette[name])) / 2
        assert np.abs(np.array(half.palette[name]) - mid).max() <= 0.5
    assert half.noise == pytest.approx(TARGET_STYLE.noise / 2)
    with pytest.raises(ValueError, match='appearance gap.*1.5'):
        blend_style(SOURCE_STYLE, TARGET_STYLE, 1.5)
    with pytest.raises(ValueError, match='content gap.*-0.1'):
        blend_content(SOURCE_CONTENT, TARGET_CONTENT, -0.1)


def _stats(content, videos=8):
    """Persons per video, mean person height (px), sidewalk top row and
    share of columns with a building over ``videos`` videos at 64 x 128."""
    persons, heights, rows, building = [], [], [], []
    for v in range(videos):
        r = SceneRenderer(SOURCE_STYLE, 2, 64, 128, (0, 1, v), content=content)
        people = [s for s in r.sprites
                  if SCENE_CLASSES[s.cls] == 'person']
        persons.append(len(people))
        heights += [s.mask.shape[0] for s in people]
        near = r.layers[3].label  # sidewalk, fences, poles
        rows.append(int(np.argmax(
            (near == SCENE_CLASSES.index('sidewalk')).any(axis=1))))
        building.append((r.layers[1].label != 255).any(axis=0).mean())
    return (np.mean(persons), np.mean(heights), np.mean(rows),
            np.mean(building))


def test_content_dial_moves_frequencies_sizes_and_camera():
    src, tgt = _stats(SOURCE_CONTENT), _stats(TARGET_CONTENT)
    assert tgt[0] > src[0] + 1  # more persons per video
    assert tgt[1] < src[1]  # smaller objects
    assert tgt[2] < src[2]  # ground higher in the image
    assert tgt[3] > src[3] + 0.05  # fewer gaps between buildings
    assert blend_content(SOURCE_CONTENT, TARGET_CONTENT, 0.0) == SOURCE_CONTENT
    mid = blend_content(SOURCE_CONTENT, TARGET_CONTENT, 0.5)
    assert SOURCE_CONTENT.ground > mid.ground > TARGET_CONTENT.ground


def test_pretraining_domain_draws_a_palette_per_video():
    a = SceneRenderer(PRETRAIN_STYLE, 2, 32, 64, (0, 2, 0),
                      content=PRETRAIN_CONTENT)
    b = SceneRenderer(PRETRAIN_STYLE, 2, 32, 64, (0, 2, 1),
                      content=PRETRAIN_CONTENT)
    again = SceneRenderer(PRETRAIN_STYLE, 2, 32, 64, (0, 2, 0),
                          content=PRETRAIN_CONTENT)
    assert a.style.palette == again.style.palette
    differ = [k for k in a.style.palette
              if a.style.palette[k] != b.style.palette[k]]
    assert len(differ) == len(a.style.palette)
    assert a.style.palette != PRETRAIN_STYLE.palette


def test_pretraining_domain_is_written_in_the_viper_layout(synth_root):
    root = osp.join(synth_root, 'pretrain', 'viper')
    assert sorted(os.listdir(osp.join(root, 'train', 'img'))) == ['001']
    assert len(os.listdir(osp.join(root, 'train', 'cls', '001'))) == TINY['frames']
    assert len(viper(osp.join(synth_root, 'pretrain'))) == TINY['frames']
    cls = cv2.imread(osp.join(root, 'train', 'cls', '001', '001_00000.png'),
                     cv2.IMREAD_UNCHANGED)
    assert len(np.unique(cls)) > 4  # label-rich
