"""AdvEnt's inputs, DA-VSN's TCR and TPS's cross-frame labels: the math and
one training step of each model."""
import copy
import math

import pytest
import torch
import torch.nn.functional as F

from uda_helpers import (NUM_CLASSES, TinyUDADataset, collate,
                         tiny_discriminator, tiny_segmentor)


def batch():
    return collate([TinyUDADataset()[0], TinyUDADataset()[1]])


def wrappers(model, names):
    from uda_video.engine import NamedModulesOptimWrapperConstructor
    cfg = dict(segmentor=dict(type='OptimWrapper', optimizer=dict(
        type='SGD', lr=0.01, momentum=0.9)))
    for name in names:
        cfg[name] = dict(type='OptimWrapper',
                         optimizer=dict(type='Adam', lr=1e-3))
    return NamedModulesOptimWrapperConstructor(cfg)(model)


def spy_steps(model, ow, names):
    """Record, at each optimizer step, which networks hold a gradient."""
    seen = []

    def has_grad(module):
        return any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in module.parameters())

    for name in names:
        opt = ow[name].optimizer
        orig = opt.step

        def step(*a, _name=name, _orig=orig, **k):
            seen.append((_name, {n for n in names
                                 if has_grad(getattr(model, n))}))
            return _orig(*a, **k)

        opt.step = step
    return seen


def one_hot(labels):
    return F.one_hot(labels, NUM_CLASSES).permute(0, 3, 1, 2).float()


def test_self_information_maps():
    from uda_video.models.uda import entropy_map, self_information
    probs = torch.softmax(torch.randn(2, 4, 5, 6), dim=1)
    info = self_information(probs)
    assert info.shape == probs.shape and (info >= 0).all()
    assert torch.allclose(info.sum(1), entropy_map(probs), atol=1e-5)
    p = torch.tensor([0.5, 0.25, 0.25, 0.0]).view(1, 4, 1, 1)
    expect = torch.tensor([0.5 * math.log(2), 0.25 * math.log(4),
                           0.25 * math.log(4), 0.0]) / math.log(4)
    assert torch.allclose(self_information(p).flatten(), expect, atol=1e-6)


def test_temporal_pair_and_cross_frame_labels_follow_integer_flow():
    from uda_video.models.uda import cross_frame_pseudo_labels, temporal_pair
    prev = torch.arange(8).remainder(NUM_CLASSES).view(1, 1, 8).expand(
        1, 4, 8).contiguous()
    cur = torch.zeros(1, 4, 8, dtype=torch.long)
    flow = torch.zeros(1, 2, 4, 8)
    flow[:, 0] = 1.0  # pixel x of t shows what x + 1 of t-1 showed
    labels = cross_frame_pseudo_labels(one_hot(prev), flow)
    assert torch.equal(labels[..., :7], prev[..., 1:])
    assert (labels[..., 7] == 255).all()  # left the frame: ignored
    probs = torch.stack([one_hot(cur), one_hot(prev)], 1)
    pair = temporal_pair(probs, flow.unsqueeze(1))
    assert torch.equal(pair[:, 0], probs[:, 0])  # the current frame as is
    assert torch.allclose(pair[:, 1, ..., :7], one_hot(prev)[..., 1:],
                          atol=1e-5)
    assert (pair[:, 1, ..., 7] == 0).all()
    assert torch.equal(temporal_pair(probs, None), probs)  # unwarped stack


@pytest.mark.parametrize('disc_input,size', [('self_information', 'input'),
                                             ('softmax', 'decoder')])
def test_adversarial_disc_inputs(disc_input, size):
    from uda_video.registry import MODELS
    model = MODELS.build(dict(
        type='AdversarialUDA', segmentor=tiny_segmentor(), num_frames=1,
        discriminator=tiny_discriminator(frames=1), disc_input=disc_input,
        disc_input_size=size))
    logits = torch.randn(2, 1, NUM_CLASSES, 4, 4)
    out = model.disc_inputs(logits, (32, 32))
    assert out.shape[-2:] == ((32, 32) if size == 'input' else (4, 4))
    if disc_input == 'softmax':
        assert torch.allclose(out.sum(2), torch.ones(2, 1, 4, 4))
    else:
        assert (out >= 0).all() and not torch.allclose(
            out.sum(2), torch.ones_like(out.sum(2)))
    seen = spy_steps(model, ow := wrappers(model, ['discriminator']),
                     ['segmentor', 'discriminator'])
    log = model.train_step(batch(), ow)
    assert seen == [('segmentor', {'segmentor'}),
                    ('discriminator', {'discriminator'})]
    assert all(math.isfinite(float(v)) for v in log.values())
    with pytest.raises(ValueError, match='disc_input_size'):
        MODELS.build(dict(type='AdversarialUDA', segmentor=tiny_segmentor(),
                          discriminator=tiny_discriminator(frames=1),
                          num_frames=1, disc_input_size='full'))


def test_davsn_step_each_network_under_its_own_losses():
    from uda_video.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='DAVSN', segmentor=tiny_segmentor(aux=True),
        discriminator=tiny_discriminator(frames=2),
        intra_discriminator=tiny_discriminator(frames=2), gan_type='bce',
        lambda_adv=0.1, lambda_intra=0.1, disc_input_size='input'))
    model.train()
    names = ['segmentor', 'discriminator', 'intra_discriminator']
    ow = wrappers(model, names[1:])
    seen = spy_steps(model, ow, names)
    # a running threshold between the two clips' entropies: one of each
    model.entropy_threshold.fill_(float('nan'))
    log = model.train_step(batch(), ow)
    assert seen == [(n, {n}) for n in names]
    assert 'tgt.tcr_cross.loss' in log and 'disc.loss' in log
    assert 'disc_intra.loss' in log
    assert float(log['tgt.tcr_intra.confident']) == pytest.approx(0.5)
    assert 'tgt.tcr_intra.loss' in log  # the uncertain clip is pushed
    assert all(math.isfinite(float(v)) for v in log.values())
    assert torch.isfinite(model.entropy_threshold)
    data = batch()
    del data['source']['data_samples'][0].gt_flow
    with pytest.raises(KeyError, match='source.load_flow'):
        model.train_step(data, ow)


def test_tps_step_learns_from_the_previous_frame():
    from uda_video.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(dict(type='TPS', segmentor=tiny_segmentor(aux=True),
                              scale_range=(0.75, 1.25), jitter_prob=1.0,
                              blur_prob=1.0, source_loss_weight=0.0))
    model.train()
    ow = wrappers(model, [])
    seen = spy_steps(model, ow, ['segmentor'])
    before = copy.deepcopy(model.segmentor.state_dict())
    log = model.train_step(batch(), ow)
    assert seen == [('segmentor', {'segmentor'})]
    # the tiny clips move 1 px: only the column that leaves the frame is lost
    assert float(log['tgt.tps.kept']) == pytest.approx(31 / 32)
    assert float(log['tgt.tps.loss']) > 0 and 'pl.precision' in log
    assert any(not torch.equal(v, before[k])
               for k, v in model.segmentor.state_dict().items()
               if v.dtype.is_floating_point)
    data = batch()
    del data['target']['data_samples'][0].gt_flow
    with pytest.raises(KeyError, match='target.load_flow'):
        model.train_step(data, ow)
