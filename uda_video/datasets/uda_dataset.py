"""UDADataset: one source clip and one target clip per sample."""
from collections import defaultdict
from typing import Union

import numpy as np
from mmengine.dataset import BaseDataset

from uda_video.registry import DATASETS


@DATASETS.register_module()
class UDADataset:
    """Pairs every source sample with a target sample drawn independently.

    ``dataset[i]`` is ``dict(source=source[i], target=target[j])``; the sampler
    shuffles i (the source order), and j is drawn uniformly from a numpy RNG
    seeded with ``(seed, i, n)``, n counting the visits of i in this process,
    so the pairing is independent of the source order, differs between
    epochs, and is reproducible for the same sample sequence. With mmengine's
    ``pseudo_collate`` a batch is ``dict(source=dict(inputs=[...],
    data_samples=[...]), target=dict(inputs=[...], data_samples=[...]))``
    (docs/conventions.md, "UDA batches").

    Args:
        source: source dataset (config or object); its length is the length.
        target: target dataset (config or object).
        seed: seed of the target draws.
    """

    def __init__(self, source: Union[dict, BaseDataset],
                 target: Union[dict, BaseDataset], seed: int = 0):
        self.source = DATASETS.build(source) if isinstance(source, dict) else source
        self.target = DATASETS.build(target) if isinstance(target, dict) else target
        if len(self.source) == 0 or len(self.target) == 0:
            raise ValueError(f'UDADataset: empty source ({len(self.source)}) or '
                             f'target ({len(self.target)}) dataset')
        self.seed = int(seed)
        self._visits = defaultdict(int)

    @property
    def metainfo(self) -> dict:
        """The source's metainfo (classes and palette of the protocol)."""
        return self.source.metainfo

    def target_index(self, idx: int, visit: int) -> int:
        """The target partner of source sample ``idx`` at its ``visit``-th use."""
        rng = np.random.default_rng([self.seed, int(idx), int(visit)])
        return int(rng.integers(len(self.target)))

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, idx: int) -> dict:
        visit = self._visits[idx]
        self._visits[idx] += 1
        return dict(source=self.source[idx],
                    target=self.target[self.target_index(idx, visit)])
