"""The UDA seam of video segmentors: clip_logits computes each frame the way
the segmentor does, and its own loss is built from the same calls."""
import pytest
import torch

from test_dff import dff_cfg
from test_tdnet import tdnet_cfg
from video_seg_utils import build_model, per_frame_cfg


def test_per_frame_clip_logits_segment_each_frame_alone():
    model = build_model(per_frame_cfg()).eval()
    clips = torch.randn(2, 3, 3, 32, 32)
    with torch.no_grad():
        out = model.clip_logits(clips, 2)
        alone = model.decode_head(model.extract_feat(clips[:, 1]))
    assert set(out) == {'seg'} and out['seg'].shape[:2] == (2, 2)
    torch.testing.assert_close(out['seg'][:, 1], alone)
    with pytest.raises(ValueError, match='4 frames requested from clips of '
                       '3 frames; ClipEncoderDecoder needs 4'):
        model.clip_logits(clips, 4)


def test_dff_clip_logits_propagate_the_last_frame_to_each_frame():
    model = build_model(dff_cfg()).eval()
    cur0, cur1, key = torch.randn(3, 2, 3, 32, 32)
    with torch.no_grad():
        both = model.clip_logits(torch.stack([cur0, cur1, key], 1), 2)['seg']
        one = model.clip_logits(torch.stack([cur1, key], 1), 1)['seg']
        # By hand: key features warped onto frame 1 by the flow network.
        feats = model.propagate(model.flow_inputs(cur1),
                                model.flow_inputs(key),
                                model.extract_feat(key))
        manual = model.decode_head(feats)
    torch.testing.assert_close(both[:, 1], one[:, 0])
    torch.testing.assert_close(one[:, 0], manual)
    assert model.clip_sampling.frames_needed(2) == 3
    with pytest.raises(ValueError, match='DFFSegmentor needs 3'):
        model.clip_logits(torch.stack([cur0, key], 1), 2)


def test_dff_frame_loss_rides_on_its_own_logits_entry():
    cfg = dff_cfg()
    cfg['frame_loss_weight'] = 0.5
    model = build_model(cfg).train()
    logits = model.clip_logits(torch.randn(2, 2, 3, 32, 32), 1)
    assert {'seg', 'frame_seg'} <= set(logits)
    from video_seg_utils import sample
    samples = [sample('v', 0, label=True) for _ in range(2)]
    losses = model.logit_losses(logits, samples)
    assert {'decode.loss_ce', 'frame.decode.loss_ce'} <= set(losses)


def test_tdnet_clip_logits_compose_each_frame_from_its_predecessors():
    model = build_model(tdnet_cfg(2)).eval()
    clips = torch.randn(1, 3, 3, 32, 32)  # frames t, t-1, t-2
    torch.manual_seed(5)
    with torch.no_grad():
        out = model.clip_logits(clips, 2)
        torch.manual_seed(5)
        key_path = int(torch.randint(2, (1, )))
        # Frame t-1 runs the other path; its own clip of (t-1, t-2).
        full1 = model.clip_features(clips[:, 1:], (key_path - 1) % 2)[0]
        full0 = model.clip_features(clips[:, :2], key_path)[0]
    torch.testing.assert_close(out['seg'][:, 1],
                               model.decode_head([full1]))
    torch.testing.assert_close(out['seg'][:, 0],
                               model.decode_head([full0]))
    with pytest.raises(ValueError, match=r'frame_offsets starting '
                       r'\[0, -1, -2\]'):
        model.check_clip_sampling(
            [type('S', (), dict(metainfo=dict(frame_offsets=[0, -1, 1])))()],
            2)


def test_tcd_clip_losses_need_the_previous_frame():
    from test_temporal_distill import build, samples, student_cfg
    model = build(student_cfg()).train()
    clips = torch.randn(2, 1, 3, 32, 32)
    logits = model.clip_logits(clips, 1)
    with pytest.raises(ValueError, match='previous frame'):
        model.clip_losses(clips, logits, samples(2))
