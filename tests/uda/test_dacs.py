"""DACS / video DACS: one training step, the teacher, and refused inputs."""
import copy
import math

import pytest
import torch

from uda_helpers import TinyUDADataset, collate, sgd, tiny_segmentor


def build(**kwargs):
    from uda_video.registry import MODELS
    cfg = dict(type='DACS', segmentor=tiny_segmentor(aux=True), num_frames=1,
               pseudo_threshold=0.5, ema_momentum=0.9, jitter_prob=1.0,
               blur_prob=1.0)
    cfg.update(kwargs)
    return MODELS.build(cfg)


def batch():
    return collate([TinyUDADataset()[0], TinyUDADataset()[1]])


@pytest.mark.parametrize('frames', [1, 2])
def test_step_trains_student_on_mixed_frames(frames):
    torch.manual_seed(0)
    model = build(num_frames=frames, consistency=frames > 1)
    model.train()
    model.teacher.copy_from(model.segmentor)
    teacher_before = copy.deepcopy(model.teacher.state_dict())
    ow = sgd(model)
    seen = {}
    opt = ow['segmentor'].optimizer
    orig = opt.step

    def step(*a, **k):
        seen['grad'] = [n for n, p in model.segmentor.named_parameters()
                        if p.grad is not None and p.grad.abs().sum() > 0]
        seen['teacher'] = [p.grad for p in model.teacher.parameters()]
        return orig(*a, **k)

    opt.step = step
    log = model.train_step(batch(), ow)
    assert 'mix.loss' in log and 'src.decode.loss_ce' in log
    assert all(math.isfinite(float(v)) for v in log.values())
    assert 0.0 <= float(log['mix.pseudo_weight']) <= 1.0
    assert 0.0 < float(log['mix.pasted']) < 1.0
    assert 'pl.coverage' in log  # pseudo-label quality against target gt
    assert any(n.startswith('backbone.') for n in seen['grad'])
    assert any(n.startswith('decode_head.') for n in seen['grad'])
    assert all(g is None for g in seen['teacher'])
    for k, v in model.teacher.state_dict().items():
        assert torch.equal(v, teacher_before[k]), k


def test_mixed_loss_alone_moves_the_student():
    """With the source loss off, the gradient comes from the mixed frame."""
    torch.manual_seed(0)
    model = build(source_loss_weight=0.0, pseudo_threshold=0.01)
    model.teacher.copy_from(model.segmentor)
    before = copy.deepcopy(model.segmentor.state_dict())
    log = model.train_step(batch(), sgd(model))
    assert float(log['mix.pseudo_weight']) > 0.9
    assert float(log['mix.loss']) > 0
    assert any(not torch.equal(v, before[k])
               for k, v in model.segmentor.state_dict().items()
               if v.dtype.is_floating_point)


def test_video_dacs_without_flow_names_the_key():
    model = build(num_frames=2)
    data = batch()
    del data['target']['data_samples'][1].gt_flow
    with pytest.raises(KeyError, match='target.load_flow'):
        model.train_step(data, sgd(model))


def test_mismatched_crops_name_both_shapes():
    model = build()
    data = batch()
    data['target']['inputs'] = data['target']['inputs'][..., :24]
    with pytest.raises(ValueError,
                       match=r'\(2, 1, 3, 32, 32\).*\(2, 1, 3, 32, 24\)'):
        model.train_step(data, sgd(model))


@pytest.mark.parametrize('threshold', [0.0, 1.0, 1.2])
def test_threshold_outside_unit_interval_is_refused(threshold):
    with pytest.raises(ValueError, match='pseudo_threshold'):
        build(pseudo_threshold=threshold)


def test_mix_frames_as_clip_indices():
    """A list picks clip frames (negative from the end): the mixed clip the
    student reads; indices the clips lack are named with the domain."""
    from uda_video.models.uda.mixing import mixed_frames
    clips = torch.arange(4.0).view(1, 4, 1, 1, 1).expand(2, 4, 3, 2, 2)
    assert mixed_frames(clips, [0, -1])[0, :, 0, 0, 0].tolist() == [0, 3]
    assert mixed_frames(clips, 2)[0, :, 0, 0, 0].tolist() == [0, 1]
    with pytest.raises(ValueError, match=r'mix_frames=\[0, 4\] indexes clips '
                       r'of 4 frames: the source frame_offsets'):
        mixed_frames(clips, [0, 4], 'source')
    with pytest.raises(ValueError, match='must start with 0'):
        build(mix_frames=[1, 0])
    torch.manual_seed(0)
    model = build(mix_frames=[0, -1])
    log = model.train_step(batch(), sgd(model))
    assert math.isfinite(float(log['mix.loss']))
