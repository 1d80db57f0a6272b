"""Key-frame schedule of the stateful base: key pattern, validation, owners."""
import copy

import pytest
import torch

from uda_video.models.video_modules import KeyFrameSchedule
from video_seg_utils import BACKBONE, HEAD, build_model, sample


def keys(schedule, frames=7):
    return [schedule.is_key(t) for t in range(frames)]


def test_key_pattern_interval_and_phase():
    assert keys(KeyFrameSchedule(interval=3)) == [
        True, False, False, True, False, False, True]
    # The first frame of a video is a key frame whatever the phase.
    assert keys(KeyFrameSchedule(interval=3, phase=2)) == [
        True, False, True, False, False, True, False]
    assert keys(KeyFrameSchedule(interval=1)) == [True] * 7
    assert keys(KeyFrameSchedule()) == [True] + [False] * 4 + [True, False]
    with pytest.raises(ValueError, match='frame_index'):
        KeyFrameSchedule().is_key(-1)


@pytest.mark.parametrize('bad', [0, -2, 2.5, None, True, '5'])
def test_bad_interval_named_in_error(bad):
    with pytest.raises(ValueError, match=rf'interval must be an int >= 1, '
                       rf'got {bad!r}'):
        KeyFrameSchedule(interval=bad)


@pytest.mark.parametrize('bad', [3, -1, 1.0, True])
def test_bad_phase_named_in_error(bad):
    with pytest.raises(ValueError, match=r'phase must be an int in '
                       r'\[0, interval=3\)'):
        KeyFrameSchedule(interval=3, phase=bad)


def test_from_test_cfg_defaults_and_key_names():
    for cfg in (None, dict(mode='whole')):
        schedule = KeyFrameSchedule.from_test_cfg(cfg)
        assert (schedule.interval, schedule.phase) == (5, 0)
    schedule = KeyFrameSchedule.from_test_cfg(
        dict(key_frame_interval=4, key_frame_phase=1))
    assert repr(schedule) == 'KeyFrameSchedule(interval=4, phase=1)'
    with pytest.raises(ValueError, match='test_cfg.key_frame_interval must'):
        KeyFrameSchedule.from_test_cfg(dict(key_frame_interval=0))
    with pytest.raises(ValueError, match=r'test_cfg.key_frame_phase must be '
                       r'an int in \[0, test_cfg.key_frame_interval=4\)'):
        KeyFrameSchedule.from_test_cfg(
            dict(key_frame_interval=4, key_frame_phase=4))


def clock_cfg(**test_cfg):
    return dict(type='ClockworkSegmentor', backbone=copy.deepcopy(BACKBONE),
                decode_head=copy.deepcopy(HEAD), schedule='fixed',
                rates=(1, 1, 2, 2), test_cfg=dict(mode='whole', **test_cfg))


def test_segmentor_without_key_frames_refuses_the_keys():
    model = build_model(clock_cfg())
    assert model.key_frame_schedule is None
    assert model.key_frame_interval is None
    with pytest.raises(TypeError, match='no key-frame schedule'):
        model.is_key_frame()
    with pytest.raises(ValueError, match='ClockworkSegmentor has no '
                       'key-frame schedule: test_cfg.key_frame_phase=1'):
        build_model(clock_cfg(key_frame_phase=1))


def test_clockwork_stage_clocks_are_schedules():
    model = build_model(clock_cfg()).eval()
    assert [c.interval for c in model.stage_clocks] == [1, 1, 2, 2]
    layer3_calls = []
    model.backbone.layer3.register_forward_hook(
        lambda *args: layer3_calls.append(1))
    with torch.no_grad():
        for t in range(4):
            model.predict(torch.randn(1, 3, 32, 32), [sample('v', t)])
    assert len(layer3_calls) == 2  # stage 2 (rate 2) on frames 0 and 2
    with pytest.raises(ValueError, match=r'rates\[2\] must be an int >= 1'):
        build_model(dict(clock_cfg(), rates=(1, 1, 0, 1)))
