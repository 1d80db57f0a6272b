"""Predictions of a trained checkpoint on a few labelled target val frames
(the demo figure's rows).

The model, its exact checkpoint loading and the palette come from
:func:`uda_video.apis.inference.init_segmenter`; the frames, their ground
truth and the clips come from the config's own test dataset
(``test_dataloader.dataset``) with its pipeline, so a frame is segmented as
``tools/test.py`` segments it. A stateful video segmentor (DFF, Clockwork,
TDNet, Accel) sees every sample of the frame's video from the video's first,
in order, when the config tests under the ``VideoSampler``.
"""
import copy
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from uda_video.datasets.transforms import read_image
from uda_video.registry import DATASETS
from uda_video.utils import register_all_modules
from .inference import config_test_dataset, init_segmenter


@dataclass
class FramePredictions:
    """F labelled target frames: ``frames`` H x W x 3 uint8 RGB, ``gts`` and
    ``predictions`` H x W int64 (255 = ignore in ``gts``), ``names`` their
    image paths, ``metainfo`` the predictions' metainfo (e.g. DFF's
    ``is_key_frame``), ``palette`` K x 3 uint8 RGB."""
    frames: List[np.ndarray]
    gts: List[np.ndarray]
    predictions: List[np.ndarray]
    names: List[str]
    metainfo: List[dict]
    palette: np.ndarray


def labelled_samples(dataset) -> List[int]:
    """Indices of the dataset's labelled samples in dataset order (videos in
    order, frames in time order)."""
    return [i for i in range(len(dataset))
            if dataset.get_data_info(i).get('is_labelled', True)]


def sample_label_map(result, shape) -> np.ndarray:
    """The ground truth of a test result at ``shape`` (nearest), int64."""
    if 'gt_sem_seg' not in result:
        raise KeyError(f'the test sample of {result.metainfo.get("img_path")} '
                       'has no gt_sem_seg: pick labelled frames')
    gt = result.gt_sem_seg.data[0]
    if tuple(gt.shape) != tuple(shape):
        gt = F.interpolate(gt[None, None].float(), size=tuple(shape),
                           mode='nearest')[0, 0]
    return gt.cpu().numpy().astype(np.int64)


def predict_frames(config, checkpoint: str, indices: Sequence[int],
                   device: str = 'cpu',
                   cfg_options: Optional[dict] = None) -> FramePredictions:
    """Label maps of ``checkpoint`` on labelled target val frames.

    Args:
        config: config file path or :class:`mmengine.Config` (its
            ``test_dataloader.dataset`` is the split read).
        checkpoint: the trained checkpoint (loaded exactly).
        indices: positions among the split's labelled frames (videos in
            order, frames in time order: the same frames for every config of
            one benchmark, per-frame and video test datasets alike).
        device: torch device of the model.
        cfg_options: overrides merged into the config.

    Returns:
        :class:`FramePredictions` in the order of ``indices``.
    """
    register_all_modules(init_default_scope=True)
    cfg = (Config.fromfile(config) if isinstance(config, str) else
           copy.deepcopy(config))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    dataset = DATASETS.build(config_test_dataset(cfg))
    labelled = labelled_samples(dataset)
    wanted = []
    for i in indices:
        if not -len(labelled) <= i < len(labelled):
            raise IndexError(f'frame index {i}: {cfg.filename} tests '
                             f'{len(labelled)} labelled frames')
        wanted.append(labelled[i])
    segmenter = init_segmenter(cfg, checkpoint, device=device)
    model = segmenter.model

    def segment(j):
        with torch.no_grad():
            (result, ) = model.test_step(pseudo_collate([dataset[j]]))
        return result

    results = {}
    sampler = (segmenter.cfg.get('test_dataloader') or {}).get('sampler', {})
    if sampler.get('type') == 'VideoSampler':
        # Tested as a video: every sample from the video's first, in order.
        for samples in dataset.video_sample_indices():
            hits = [k for k, j in enumerate(samples) if j in wanted]
            if not hits:
                continue
            model.eval()  # a fresh video: stateful segmentors clear state
            for j in samples[:max(hits) + 1]:
                result = segment(j)
                if j in wanted:
                    results[j] = result
    else:
        model.eval()
        for j in sorted(set(wanted)):
            results[j] = segment(j)
    out = FramePredictions([], [], [], [], [], segmenter.palette)
    for idx in wanted:
        result = results[idx]
        pred = result.pred_sem_seg.data[0].cpu().numpy().astype(np.int64)
        path = result.metainfo['img_path']
        frame = read_image(path)[..., ::-1]
        if frame.shape[:2] != pred.shape:
            raise RuntimeError(f'{type(model).__name__} returned a '
                               f'{pred.shape} prediction for the '
                               f'{frame.shape[:2]} frame {path}')
        out.frames.append(np.ascontiguousarray(frame))
        out.gts.append(sample_label_map(result, pred.shape))
        out.predictions.append(pred)
        out.names.append(path)
        out.metainfo.append(dict(result.metainfo))
    return out
