"""Tiny UDA test pieces: a small clip segmentor and an in-memory UDA dataset."""
import copy

import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from torch.utils.data import DataLoader, Dataset

from helpers import point_at

VST_CONFIG = 'configs/uda/synthetic/vat2vst_deeplabv2_r18-half-d8_synthetic.py'
NUM_CLASSES = 3
SIZE = 32
FRAMES = 2


def tiny_segmentor(aux=False):
    """ClipEncoderDecoder with an 8-channel ResNet-18 (output stride 8)."""
    backbone = dict(
        type='ResNetV1c', depth=18, stem_channels=8, base_channels=8,
        out_indices=(2, 3), dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1),
        norm_cfg=dict(type='BN', requires_grad=True))
    head = dict(type='FCNHead', in_channels=64, in_index=1, channels=8,
                num_convs=1, concat_input=False, num_classes=NUM_CLASSES,
                norm_cfg=dict(type='BN', requires_grad=True),
                align_corners=False,
                loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0))
    cfg = dict(type='ClipEncoderDecoder',
               data_preprocessor=dict(type='BaseDataPreprocessor'),
               backbone=backbone, decode_head=head)
    if aux:
        aux_head = copy.deepcopy(head)
        aux_head.update(in_channels=32, in_index=0)
        aux_head['loss_decode'] = dict(type='CrossEntropyLoss', loss_weight=0.4)
        cfg['auxiliary_head'] = aux_head
    return cfg


def tiny_discriminator(frames=FRAMES, kind='SequenceDiscriminator'):
    return dict(type=kind, num_classes=NUM_CLASSES, num_frames=frames,
                base_channels=4, num_convs=1)


def make_clip(seed, shift=1):
    """A clip: key frame and a reference moved ``shift`` px right, labels,
    and the flow key -> reference (u = +shift)."""
    g = torch.Generator().manual_seed(seed)
    label = torch.randint(0, NUM_CLASSES, (SIZE // 8, SIZE // 8), generator=g)
    label = label.repeat_interleave(8, 0).repeat_interleave(8, 1)
    img = label.float().unsqueeze(0).repeat(3, 1, 1) + 0.3 * torch.randn(
        3, SIZE, SIZE, generator=g)
    ref = torch.roll(img, shifts=shift, dims=2)
    inputs = torch.stack([img, ref])
    sample = SegDataSample(metainfo=dict(
        img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE), pad_shape=(SIZE, SIZE),
        video_id=f'v{seed}', frame_id=5, frame_offsets=[0, 1],
        is_labelled=True, img_path=f'v{seed}/5.png'))
    sample.gt_sem_seg = PixelData(data=label.unsqueeze(0).long())
    flow = torch.zeros(FRAMES - 1, 2, SIZE, SIZE)
    flow[:, 0] = shift
    sample.gt_flow = flow
    return inputs, sample


class TinyUDADataset(Dataset):
    """dict(source=clip, target=clip), as UDADataset yields them."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        src, s_sample = make_clip(i)
        tgt, t_sample = make_clip(100 + i)
        return dict(source=dict(inputs=src, data_samples=s_sample),
                    target=dict(inputs=(tgt + 0.5), data_samples=t_sample))


def collate(batch):
    """Stack inputs to N x T x C x H x W (already 'preprocessed')."""
    out = {}
    for dom in ('source', 'target'):
        out[dom] = dict(
            inputs=torch.stack([b[dom]['inputs'] for b in batch]),
            data_samples=[b[dom]['data_samples'] for b in batch])
    return out


def sgd(model):
    """An optim wrapper dict of plain SGD (lr 0.1) for ``model.segmentor``."""
    from uda_video.engine import NamedModulesOptimWrapperConstructor
    return NamedModulesOptimWrapperConstructor(dict(segmentor=dict(
        type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))))(model)


def one_iteration_config(cfg, root, batch_size=1):
    """Make a training config of the synthetic benchmark (an mmengine
    Config, changed in place) train one iteration on the tiny benchmark under
    ``root``: in this process, no checkpoint or validation, local logs."""
    point_at(cfg._cfg_dict, root)
    cfg.train_dataloader.update(batch_size=batch_size, num_workers=0,
                                persistent_workers=False)
    cfg.train_cfg.update(max_iters=1, val_interval=100)
    # (the train loop validates after its last iteration whatever the interval)
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.checkpoint.update(interval=100, save_last=False)
    cfg.default_hooks.logger.interval = 1
    cfg.pop('model_wrapper_cfg', None)
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    return cfg
