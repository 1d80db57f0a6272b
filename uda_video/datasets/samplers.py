"""Samplers for videos (registered in DATA_SAMPLERS)."""
from typing import Iterator, List

from mmengine.dist import get_dist_info
from torch.utils.data import Sampler

from uda_video.registry import DATA_SAMPLERS


def partition_videos(sizes: List[int], num_parts: int) -> List[List[int]]:
    """Split videos (by their sample counts) into ``num_parts`` contiguous
    groups of near-equal total size; returns video indices per part."""
    total = sum(sizes)
    parts, cur, acc = [], [], 0
    for vi, n in enumerate(sizes):
        cur.append(vi)
        acc += n
        remaining_parts = num_parts - len(parts) - 1
        if remaining_parts > 0 and acc >= total * (len(parts) + 1) / num_parts:
            parts.append(cur)
            cur = []
    parts.append(cur)
    while len(parts) < num_parts:
        parts.append([])
    return parts


@DATA_SAMPLERS.register_module()
class VideoSampler(Sampler):
    """Every sample of a video, in frame order, videos never split over ranks.

    Videos are given to ranks in contiguous groups of about equal frame
    counts; ranks may get different numbers of samples (mmengine's result
    collection handles uneven parts). Needs a dataset with
    ``video_sample_indices()`` (the uda_video video datasets).

    Args:
        dataset: the video dataset.
        seed: unused (accepted for mmengine's sampler interface).
    """

    def __init__(self, dataset, seed=None):
        if not hasattr(dataset, 'video_sample_indices'):
            raise TypeError(f'VideoSampler needs a video dataset with '
                            f'video_sample_indices(), got {type(dataset).__name__}')
        rank, world_size = get_dist_info()
        videos = dataset.video_sample_indices()
        parts = partition_videos([len(v) for v in videos], world_size)
        self.indices = [i for vi in parts[rank] for i in videos[vi]]

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)

    def set_epoch(self, epoch: int) -> None:
        """No shuffling: nothing to do."""
