"""The Accel-fusion plug-in, built only through its config (custom_imports)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

CONFIG = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'configs',
                  'accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py')


@pytest.fixture(scope='module')
def model():
    from uda_video.registry import MODELS
    from uda_video.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(CONFIG)  # runs custom_imports: registers the types
    cfg.model.test_cfg.key_frame_interval = 3
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


def samples(n, size=32, video_id='v', frame_id=0):
    out = []
    for i in range(n):
        s = SegDataSample()
        s.set_metainfo(dict(video_id=video_id, frame_id=frame_id + i,
                            img_shape=(size, size), ori_shape=(size, size),
                            pad_shape=(size, size),
                            padding_size=[0, 0, 0, 0]))
        label = torch.randint(0, 15, (1, size, size))
        label[:, :4] = 255
        s.gt_sem_seg = PixelData(data=label)
        out.append(s)
    return out


def test_config_builds_the_plugin_types(model):
    assert type(model).__name__ == 'AccelSegmentor'
    assert type(model).__module__.startswith('projects.accel_fusion.')
    assert type(model.fusion).__name__ == 'ScoreFusion'
    assert type(model.flow_source).__name__ == 'FlowNetS'


def test_loss_trains_every_branch(model):
    model.train()
    clips = torch.randn(2, 2, 3, 64, 64)  # (current, key)
    losses = model(clips, samples(2, 64), mode='loss')
    assert set(losses) >= {'fused.loss_ce', 'update.loss_ce'}
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    for name in ('fusion.conv.weight', 'update_head.conv_seg.weight',
                 'decode_head.aspp.0.weight', 'flow_source.conv1.conv.weight'):
        grad = dict(model.named_parameters())[name].grad
        assert grad is not None and grad.abs().sum() > 0, name
    model.zero_grad()


def test_loss_needs_a_key_frame(model):
    model.train()
    with pytest.raises(ValueError, match='frame_offsets'):
        model(torch.randn(1, 1, 3, 32, 32), samples(1), mode='loss')


def test_predict_caches_key_scores_per_video(model, monkeypatch):
    model.eval()
    calls = []
    original = model.reference_scores

    def counting(frames):
        calls.append(frames.shape)
        return original(frames)

    monkeypatch.setattr(model, 'reference_scores', counting)
    keys = []
    with torch.no_grad():
        for video, n in (('a', 5), ('b', 2)):
            for t in range(n):
                frame = torch.randn(1, 1, 3, 32, 32)
                (res, ) = model(frame, samples(1, video_id=video,
                                               frame_id=t), mode='predict')
                keys.append(res.is_key_frame)
                assert res.pred_sem_seg.data.shape == (1, 32, 32)
                assert model.last_frame_was_key == res.is_key_frame
    # key every 3rd frame of a video; a new video starts with a key frame
    assert keys == [True, False, False, True, False, True, False]
    assert len(calls) == 3


def test_tensor_mode_gives_fused_scores(model):
    model.eval()
    with torch.no_grad():
        out = model(torch.randn(1, 2, 3, 64, 64), mode='tensor')
    assert out.shape == (1, 15, 8, 8)


def test_fusion_starts_as_weighted_average_and_warp_follows_flow():
    from projects.accel_fusion.accel_fusion import ScoreFusion, warp_scores
    fusion = ScoreFusion(num_classes=3, update_weight=0.25)
    ref, upd = torch.randn(1, 3, 4, 5), torch.randn(1, 3, 4, 5)
    assert torch.allclose(fusion(ref, upd), 0.75 * ref + 0.25 * upd,
                          atol=1e-6)
    with pytest.raises(ValueError, match='channels'):
        fusion(torch.randn(1, 2, 4, 5), upd)
    with pytest.raises(ValueError, match='update_weight'):
        ScoreFusion(num_classes=3, update_weight=1.5)
    scores = torch.arange(40.).view(1, 1, 5, 8)
    # flow given at twice the score resolution: 2 px there = 1 px here
    flow = torch.zeros(1, 2, 10, 16)
    flow[:, 0] = 2.0
    warped = warp_scores(scores, flow)
    assert torch.allclose(warped[..., :7], scores[..., 1:])
