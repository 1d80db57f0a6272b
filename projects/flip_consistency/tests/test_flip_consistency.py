"""Flip consistency: the loss on hand-made logits, one training step through
the plug-in's config on the tiny synthetic benchmark."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from helpers import point_at
from projects.flip_consistency.flip_consistency import flip_consistency_loss

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'projects', 'flip_consistency', 'configs',
                  'flip-consistency_deeplabv2_r18-half-d8_synthetic.py')


def test_loss_is_zero_for_flip_equivariant_predictions():
    logits = torch.randn(2, 1, 3, 4, 5)
    # The mirror image predicted as the mirrored prediction: no penalty.
    assert flip_consistency_loss(logits, logits.flip(-1)).item() == 0.0


def test_loss_value_on_hand_made_logits():
    # One pixel row, 2 classes: left pixel sure of class 0, right of class 1.
    big = 50.0
    logits = torch.tensor([[[[big, -big]], [[-big, big]]]])  # 1 x 2 x 1 x 2
    # Same logits for the flipped input: flipped back they contradict
    # both pixels, (1 - 0)^2 + (0 - 1)^2 = 2 per pixel.
    assert flip_consistency_loss(logits, logits).item() == pytest.approx(2.0)
    # Half-sure right pixel: probabilities (1, 0) vs (0.5, 0.5) there.
    flat = torch.tensor([[[[big, 0.0]], [[-big, 0.0]]]])
    assert flip_consistency_loss(logits, flat).item() == pytest.approx(
        (2.0 + 0.5) / 2)
    with pytest.raises(ValueError, match='differ in shape'):
        flip_consistency_loss(logits, logits[..., :1])


def test_one_training_step_through_the_config(tiny_synthetic):
    from uda_video.engine import NamedModulesOptimWrapperConstructor
    from uda_video.registry import MODELS
    from uda_video.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(CONFIG)  # runs custom_imports
    point_at(cfg._cfg_dict, tiny_synthetic)
    cfg.train_dataloader.update(batch_size=2, num_workers=0,
                                persistent_workers=False)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    assert type(model).__name__ == 'FlipConsistencyUDA'
    data = next(iter(Runner.build_dataloader(cfg.train_dataloader)))

    # The target term alone trains the segmentor's backbone and decode head.
    tgt_clips, _ = model.preprocess(data, 'target')
    tgt = model.target_losses(tgt_clips)
    assert set(tgt) == {'tgt.flip.loss'}
    assert torch.isfinite(tgt['tgt.flip.loss'])
    assert tgt['tgt.flip.loss'] > 0  # an untrained net is not equivariant
    tgt['tgt.flip.loss'].backward()
    grads = {n for n, p in model.named_parameters()
             if p.grad is not None and p.grad.abs().sum() > 0}
    for prefix in ('segmentor.backbone.', 'segmentor.decode_head.'):
        assert any(n.startswith(prefix) for n in grads), prefix
    model.zero_grad()

    optim = NamedModulesOptimWrapperConstructor(dict(
        segmentor=cfg.optim_wrapper.segmentor))(model)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    log = model.train_step(data, optim)
    assert {'loss', 'tgt.flip.loss'} <= set(log)
    assert any(k.startswith('src.') for k in log)
    assert all(torch.isfinite(torch.as_tensor(v)) for v in log.values())
    changed = {n for n, p in model.named_parameters()
               if not torch.equal(p.detach(), before[n])}
    assert any(n.startswith('segmentor.decode_head.') for n in changed)
