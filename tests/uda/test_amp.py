"""Mixed precision (tools/train.py --amp) for image, UDA and video trainers.

Each config runs one iteration on the tiny synthetic benchmark in this
process (the tool's own config handling, then mmengine's Runner). On a CPU
machine --amp is bfloat16 autocast (CPUAmpOptimWrapper); on CUDA it is
mmengine's AmpOptimWrapper (float16, dynamic loss scaling).
"""
import math

import pytest
import torch
from mmengine.optim import AmpOptimWrapper, OptimWrapper, OptimWrapperDict
from mmengine.runner import Runner

from uda_helpers import one_iteration_config
from uda_video.apis.train import build_train_config
from uda_video.engine.optim_constructor import (
    CPUAmpOptimWrapper, NamedModulesOptimWrapperConstructor, enable_amp)

CUDA = torch.cuda.is_available()
AMP_TYPE = AmpOptimWrapper if CUDA else CPUAmpOptimWrapper
AMP_DTYPE = torch.float16 if CUDA else torch.bfloat16


def first_conv(module):
    return next(m for m in module.modules()
                if isinstance(m, torch.nn.Conv2d))


def one_amp_iteration(config, root, work_dir):
    """Build ``config`` as ``tools/train.py --amp`` does and train 1 iteration.

    Returns (runner, dtypes): dtypes maps 'segmentor' / 'discriminator' to the
    output dtype of their first convolution during training.
    """
    cfg = build_train_config(config, work_dir=str(work_dir), amp=True,
                             cfg_options={'load_from': None})
    one_iteration_config(cfg, root)
    runner = Runner.from_cfg(cfg)
    model = runner.model
    dtypes = {}

    def record(name):
        def hook(module, inputs, output):
            if module.training:
                dtypes.setdefault(name, output.dtype)
        return hook

    seg = getattr(model, 'segmentor', model)
    first_conv(seg.backbone).register_forward_hook(record('segmentor'))
    if hasattr(model, 'discriminator'):
        first_conv(model.discriminator).register_forward_hook(
            record('discriminator'))
    before = {n: p.detach().clone() for n, p in model.named_parameters()
              if p.requires_grad}
    runner.train()
    changed = {n for n, p in model.named_parameters()
               if n in before and not torch.equal(p.detach(), before[n])}
    return runner, dtypes, changed


def finite_losses(runner):
    scalars = runner.message_hub.log_scalars
    losses = {k: v.current() for k, v in scalars.items()
              if k.startswith('train/') and 'loss' in k}
    assert losses, sorted(scalars)
    assert all(math.isfinite(v) for v in losses.values()), losses
    return losses


@pytest.mark.parametrize('config, wrappers', [
    ('configs/dff/per-frame_deeplabv2_r18-half-d8_synthetic.py', None),
    ('tests/configs/tiny_vat.py', ('segmentor', 'discriminator')),
    ('configs/uda/synthetic/vat2vst_deeplabv2_r18-half-d8_synthetic.py', ('segmentor', )),
    ('configs/dff/dff_deeplabv2_r18-half-d8_flownets_synthetic.py', None),
    ('configs/uda/synthetic/video-dacs_deeplabv2_r18-half-d8_synthetic.py',
     ('segmentor', )),
    ('configs/uda/synthetic/davsn_deeplabv2_r18-half-d8_synthetic.py',
     ('segmentor', 'discriminator', 'intra_discriminator')),
    ('configs/uda/synthetic/tps_deeplabv2_r18-half-d8_synthetic.py',
     ('segmentor', )),
], ids=['per-frame', 'vat', 'vst', 'dff', 'video-dacs', 'davsn', 'tps'])
def test_amp_iteration(config, wrappers, tiny_synthetic, tmp_path):
    runner, dtypes, changed = one_amp_iteration(config, tiny_synthetic,
                                                tmp_path)
    optim = runner.optim_wrapper
    if wrappers is None:
        assert type(optim) is AMP_TYPE
    else:  # every named sub-wrapper is an AMP wrapper
        assert isinstance(optim, OptimWrapperDict)
        assert sorted(optim.keys()) == sorted(wrappers)
        assert all(type(w) is AMP_TYPE for w in optim.values())
    # The forward passes ran under autocast (a lower-precision conv output).
    expected = {'segmentor': AMP_DTYPE}
    if wrappers is not None and 'discriminator' in wrappers:
        expected['discriminator'] = AMP_DTYPE
    assert dtypes == expected
    losses = finite_losses(runner)
    if wrappers is not None and 'discriminator' in wrappers:
        assert 'train/disc.loss' in losses
    # Weights stay float32 and were stepped through the wrapper.
    model = runner.model
    assert all(p.dtype == torch.float32 for p in model.parameters())
    if not CUDA:  # (a float16 first step may be skipped by the loss scaler)
        assert any(n.startswith(('segmentor.', 'backbone.')) for n in changed)
        if wrappers is not None and 'discriminator' in wrappers:
            assert any(n.startswith('discriminator.') for n in changed)


def test_shared_wrapper_settings_apply_to_every_entry():
    sgd = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))
    cfg = dict(segmentor=sgd, discriminator=dict(sgd))
    assert enable_amp(cfg, cuda=False) is True
    assert enable_amp(dict(cfg), cuda=False) is False  # already enabled
    built = NamedModulesOptimWrapperConstructor(cfg).optim_wrapper_cfg
    assert {k: (v['type'], v['dtype']) for k, v in built.items()} == {
        'segmentor': ('CPUAmpOptimWrapper', 'bfloat16'),
        'discriminator': ('CPUAmpOptimWrapper', 'bfloat16')}
    plain = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))
    assert enable_amp(plain, cuda=True) and plain['type'] == 'AmpOptimWrapper'
    with pytest.raises(ValueError, match='optim_wrapper.segmentor is '
                       "'LocalWrapper'"):
        enable_amp(dict(segmentor=dict(sgd, type='LocalWrapper')), cuda=False)
    with pytest.raises(ValueError, match=r'optim_wrapper\.typo must be'):
        NamedModulesOptimWrapperConstructor(dict(segmentor=sgd, typo=1))


def test_cpu_amp_refuses_float16_and_autocasts_bfloat16():
    net = torch.nn.Linear(4, 4)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(ValueError, match='only bfloat16.*needs a CUDA'):
        CPUAmpOptimWrapper(dtype='float16', optimizer=opt)
    wrapper = CPUAmpOptimWrapper(optimizer=opt)
    assert isinstance(wrapper, OptimWrapper)
    with wrapper.optim_context(net):
        out = net(torch.randn(2, 4))
    assert out.dtype == torch.bfloat16
    assert net(torch.randn(2, 4)).dtype == torch.float32
