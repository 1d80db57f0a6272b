import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from uda_video.datasets import UDADataset, VideoSampler
from uda_video.datasets.samplers import partition_videos
from uda_video.registry import MODELS

from dataset_helpers import TINY, cs_seq, cs_vps, viper

F = TINY["frames"]

PACK = [dict(type='LoadClip'), dict(type='PackClipInputs')]


def _sample(t, h, w):
    s = SegDataSample()
    s.gt_sem_seg = PixelData(data=torch.zeros(1, h, w, dtype=torch.int64))
    s.set_data(dict(gt_flow=torch.ones(t - 1, 2, h, w)))
    return dict(inputs=torch.full((t, 3, h, w), 255, dtype=torch.uint8), data_samples=s)


def test_clip_preprocessor_shapes_padding_and_norm():
    pre = MODELS.build(dict(type='ClipDataPreProcessor', mean=[0, 0, 0],
                            std=[255, 255, 255], bgr_to_rgb=True,
                            size_divisor=8, test_cfg=dict(size_divisor=8)))
    batch = pseudo_collate([_sample(3, 10, 12), _sample(3, 16, 9)])
    out = pre(batch, training=True)
    assert out['inputs'].shape == (2, 3, 3, 16, 16)
    assert out['inputs'][0, :, :, :10, :12].eq(1).all()
    assert out['inputs'][0, :, :, 10:].eq(0).all()
    s = out['data_samples'][0]
    assert s.gt_sem_seg.data.shape == (1, 16, 16) and s.gt_sem_seg.data[0, 12, 0] == 255
    assert s.gt_flow.shape == (2, 2, 16, 16) and s.gt_flow[0, 0, 12, 0] == 0
    assert s.padding_size == [0, 4, 0, 6] and s.batch_input_shape == (16, 16)
    # T == 1 stays a clip dimension.
    one = pre(pseudo_collate([_sample(1, 8, 8)]), training=False)
    assert one['inputs'].shape == (1, 1, 3, 8, 8)
    # Clips of different lengths cannot be batched.
    with pytest.raises(ValueError, match='same number of frames'):
        pre(pseudo_collate([_sample(1, 8, 8), _sample(2, 8, 8)]), training=True)


def test_uda_dataset_pairs_and_collate(synth_root):
    src = viper(synth_root, pipeline=PACK)
    tgt = cs_seq(synth_root, all_frames=True, pipeline=PACK)
    uda = UDADataset(source=src, target=tgt, seed=1)
    assert len(uda) == len(src) and uda.metainfo['classes'] == src.metainfo['classes']
    draws = [uda.target_index(0, v) for v in range(40)]
    assert len(set(draws)) > 5  # a new partner per visit
    assert draws == [UDADataset(src, tgt, seed=1).target_index(0, v) for v in range(40)]
    assert draws != [UDADataset(src, tgt, seed=2).target_index(0, v) for v in range(40)]
    item = uda[0]
    assert item['target']['data_samples'].img_path == \
        tgt.get_data_info(uda.target_index(0, 0))['img_path']
    batch = pseudo_collate([uda[0], uda[1]])
    assert set(batch) == {'source', 'target'}
    assert len(batch['source']['inputs']) == 2 and len(batch['target']['data_samples']) == 2
    pre = MODELS.build(dict(type='ClipDataPreProcessor', size_divisor=8))
    out = pre(batch, training=True)
    assert out['source']['inputs'].shape == out['target']['inputs'].shape == (2, 1, 3, 32, 64)


def test_uda_dataset_from_configs(synth_root):
    import os.path as osp
    uda = UDADataset(
        source=dict(type='VIPERDataset', data_root=osp.join(synth_root, 'viper'),
                    pipeline=PACK),
        target=dict(type='CityscapesVPSDataset',
                    data_root=osp.join(synth_root, 'cityscapes_vps'),
                    protocol='shared15', pipeline=PACK))
    assert len(uda) == F and uda[2]['target']['inputs'].shape == (1, 3, 32, 64)


def test_partition_keeps_videos_whole():
    parts = partition_videos([30, 30, 10, 50, 20], 2)
    assert sorted(sum(parts, [])) == [0, 1, 2, 3, 4]
    assert all(p == sorted(p) for p in parts)
    assert partition_videos([5], 3) == [[0], [], []]


def test_video_sampler_order(synth_root, monkeypatch):
    ds = cs_vps(synth_root, split='train', all_frames=True, test_mode=True)
    assert list(VideoSampler(ds)) == list(range(F))
    import uda_video.datasets.samplers as smp
    two = viper(synth_root, split='train', all_frames=True)
    monkeypatch.setattr(smp, 'get_dist_info', lambda: (1, 2))
    assert list(VideoSampler(two)) == []  # the only video goes to rank 0
    with pytest.raises(TypeError, match='video_sample_indices'):
        VideoSampler([1, 2, 3])
