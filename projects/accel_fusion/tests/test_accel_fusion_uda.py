"""The plug-in adapted by a UDA method through the seam (its VAT config)."""
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
VAT = osp.join(REPO, 'projects', 'accel_fusion', 'configs',
               'vat_accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_'
               'synthetic.py')


def clip_batch(n=2, size=128, offsets=(0, -1, -3)):
    """Preprocessed clips (t, t-1, key) with labels of frame t."""
    samples = []
    for i in range(n):
        s = SegDataSample(metainfo=dict(
            img_shape=(size, size), ori_shape=(size, size),
            pad_shape=(size, size), frame_offsets=list(offsets),
            img_path=f'v{i}/5.png'))
        s.gt_sem_seg = PixelData(data=torch.randint(0, 15, (1, size, size)))
        samples.append(s)
    return dict(inputs=torch.randn(n, len(offsets), 3, size, size),
                data_samples=samples)


def test_vat_trains_the_fused_path_of_the_plugin(monkeypatch):
    from uda_video.engine import NamedModulesOptimWrapperConstructor
    from uda_video.registry import MODELS
    from uda_video.utils import register_all_modules
    register_all_modules()
    monkeypatch.chdir(REPO)  # the segmentor config path is repo-relative
    cfg = Config.fromfile(VAT)
    cfg.model.data_preprocessor = dict(type='BaseDataPreprocessor')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    assert type(model.segmentor).__name__ == 'AccelSegmentor'
    sgd = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))
    optim = NamedModulesOptimWrapperConstructor(
        dict(segmentor=sgd, discriminator=dict(sgd)))(model)
    # Fused scores of frames t and t-1 from the last frame's reference.
    logits = model.frame_outputs(clip_batch()['inputs'], 2)
    assert logits['seg'].shape == (2, 2, 15, 16, 16)
    assert '_update' in logits
    before = {k: p.detach().clone() for k, p in model.named_parameters()}
    log = model.train_step(dict(source=clip_batch(), target=clip_batch()),
                           optim)
    assert {'src.fused.loss_ce', 'src.update.loss_ce',
            'tgt.adv_seg.loss'} <= set(log)
    assert all(torch.isfinite(v) for v in log.values())
    for prefix in ('segmentor.flow_source.', 'segmentor.fusion.',
                   'segmentor.update_head.', 'segmentor.backbone.'):
        assert any(not torch.equal(p.detach(), before[k])
                   for k, p in model.named_parameters()
                   if k.startswith(prefix)), prefix
