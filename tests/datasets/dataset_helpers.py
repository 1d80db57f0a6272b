"""Helpers of the dataset tests (tiny synthetic benchmark)."""
import os.path as osp

TINY = dict(videos=2, frames=12, height=32, width=64, seed=0, pretrain_videos=1)


def viper(root, **kw):
    from uda_video.datasets import VIPERDataset
    kw.setdefault('split', 'train')
    return VIPERDataset(data_root=osp.join(root, 'viper'), **kw)


def cs_seq(root, **kw):
    from uda_video.datasets import CityscapesSeqDataset
    kw.setdefault('split', 'train')
    kw.setdefault('snippet_length', TINY['frames'])
    return CityscapesSeqDataset(data_root=osp.join(root, 'cityscapes'), **kw)


def cs_vps(root, **kw):
    from uda_video.datasets import CityscapesVPSDataset
    kw.setdefault('split', 'train')
    return CityscapesVPSDataset(data_root=osp.join(root, 'cityscapes_vps'), **kw)
