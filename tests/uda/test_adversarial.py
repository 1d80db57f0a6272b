"""VAT / AdaptSegNet-style / AdvEnt: each network moves only under its own
losses."""
import copy

import pytest
import torch

from uda_helpers import tiny_discriminator, tiny_segmentor


def build(frames=2, kind='SequenceDiscriminator', aux=False, lambda_adv=0.1):
    from uda_video.registry import MODELS
    cfg = dict(type='AdversarialUDA', segmentor=tiny_segmentor(aux=aux),
               discriminator=tiny_discriminator(frames, kind),
               num_frames=frames, gan_type='ls', lambda_adv=lambda_adv)
    if aux:
        cfg['aux_discriminator'] = tiny_discriminator(frames, kind)
    return MODELS.build(cfg)


def wrappers(model, aux=False):
    from uda_video.engine import NamedModulesOptimWrapperConstructor
    cfg = dict(segmentor=dict(type='OptimWrapper', optimizer=dict(
        type='SGD', lr=0.01, momentum=0.9)),
               discriminator=dict(type='OptimWrapper',
                                  optimizer=dict(type='Adam', lr=1e-3)))
    if aux:
        cfg['aux_discriminator'] = copy.deepcopy(cfg['discriminator'])
    return NamedModulesOptimWrapperConstructor(cfg)(model)


def grads(module):
    return [p.grad for p in module.parameters() if p.requires_grad]


@pytest.mark.parametrize('kind,aux', [('SequenceDiscriminator', False),
                                      ('Sequence3DDiscriminator', True)])
def test_params_move_only_under_own_losses(uda_loader, kind, aux):
    torch.manual_seed(0)
    model = build(kind=kind, aux=aux)
    model.train()
    ow = wrappers(model, aux)
    seen = []
    discs = ['discriminator'] + (['aux_discriminator'] if aux else [])
    names = ['segmentor'] + discs

    def spy(name):
        opt = ow[name].optimizer
        orig = opt.step

        def step(*a, **k):
            own = grads(getattr(model, name))
            assert any(g is not None and g.abs().sum() > 0 for g in own), name
            for other in names:
                if other == name:
                    continue
                for g in grads(getattr(model, other)):
                    assert g is None or g.abs().sum() == 0, (name, other)
            seen.append(name)
            return orig(*a, **k)

        opt.step = step

    for name in names:
        spy(name)
    before = {n: copy.deepcopy(getattr(model, n).state_dict()) for n in names}
    log = model.train_step(next(iter(uda_loader)), ow)
    assert seen == names
    assert 'tgt.adv_seg.loss' in log and 'disc.loss' in log
    for n in names:
        after = getattr(model, n).state_dict()
        assert any(not torch.equal(before[n][k], after[k])
                   for k in after if after[k].dtype.is_floating_point), n


def test_adversarial_term_reaches_segmentor_only_through_target():
    """With lambda_adv = 0 the segmentor's update equals source-only's."""
    from uda_video.registry import MODELS
    from uda_helpers import collate, TinyUDADataset
    batch = collate([TinyUDADataset()[0], TinyUDADataset()[1]])
    results = []
    for model_cfg in (
            dict(type='AdversarialUDA', segmentor=tiny_segmentor(),
                 discriminator=tiny_discriminator(frames=1), num_frames=1,
                 lambda_adv=0.0),
            dict(type='UDASegmentor', segmentor=tiny_segmentor())):
        torch.manual_seed(0)
        model = MODELS.build(model_cfg)
        model.train()
        results.append((model, wrappers(model) if 'discriminator' in
                        model_cfg else None))
    adv, src = results[0][0], results[1][0]
    src.segmentor.load_state_dict(adv.segmentor.state_dict())
    torch.manual_seed(1)  # same dropout draws for the source forward
    adv.train_step(batch, results[0][1])
    from uda_video.engine import NamedModulesOptimWrapperConstructor
    ow = NamedModulesOptimWrapperConstructor(dict(segmentor=dict(
        type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01,
                                            momentum=0.9))))(src)
    torch.manual_seed(1)
    src.train_step(batch, ow)
    for (k, a), b in zip(adv.segmentor.state_dict().items(),
                         src.segmentor.state_dict().values()):
        if a.dtype.is_floating_point and 'running' not in k:
            assert torch.allclose(a, b, atol=1e-6), k


def test_discriminator_rejects_wrong_stack():
    from uda_video.models.uda import SequenceDiscriminator
    d = SequenceDiscriminator(num_classes=3, num_frames=2, base_channels=4,
                              num_convs=1)
    assert d(torch.rand(2, 2, 3, 8, 8)).shape == (2, 1, 2, 2)
    with pytest.raises(ValueError, match='2 frames'):
        d(torch.rand(2, 3, 3, 8, 8))
