"""Opt-in tolerance of unreadable samples, counted and logged one by one."""
import logging
from typing import Any, Union

from mmengine.logging import MessageHub, print_log
from torch.utils.data import Dataset

from uda_video.registry import DATASETS

# What a dataset raises for a missing, corrupt or malformed file.
BAD_SAMPLE_ERRORS = (FileNotFoundError, ValueError, OSError)


@DATASETS.register_module()
class SkipBadSamples(Dataset):
    """Wrap a dataset so an unreadable sample is replaced by the next one.

    By default every dataset of the project raises an error naming the bad
    file; wrap it in this to skip such samples instead during long runs. Each
    skip is logged as a warning naming the sample and the error, and counted in
    ``skipped`` and in the message hub's runtime info ``data/skipped_samples``
    (saved in checkpoints). More than ``max_consecutive`` bad samples in a row
    re-raise the last error: a broken dataset still stops the run.

    Args:
        dataset: the wrapped dataset or its config.
        max_consecutive: bad samples tolerated in a row.
    """

    def __init__(self, dataset: Union[dict, Dataset],
                 max_consecutive: int = 10) -> None:
        self.dataset = (DATASETS.build(dataset)
                        if isinstance(dataset, dict) else dataset)
        if max_consecutive < 1:
            raise ValueError(f'max_consecutive must be >= 1, got '
                             f'{max_consecutive}')
        self.max_consecutive = max_consecutive
        self.skipped = 0

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def __len__(self) -> int:
        return len(self.dataset)

    def __getattr__(self, name: str) -> Any:
        # Everything else (video indices, full_init, ...) is the dataset's.
        if name == 'dataset':
            raise AttributeError(name)
        return getattr(self.dataset, name)

    def __getitem__(self, idx: int):
        for attempt in range(self.max_consecutive + 1):
            j = (idx + attempt) % len(self.dataset)
            try:
                return self.dataset[j]
            except BAD_SAMPLE_ERRORS as e:
                if attempt == self.max_consecutive:
                    raise
                self.skipped += 1
                hub = MessageHub.get_current_instance()
                hub.update_info('data/skipped_samples',
                                hub.get_info('data/skipped_samples', 0) + 1)
                print_log(f'skipped sample {j} ({type(e).__name__}: {e}); '
                          f'{self.skipped} skipped so far', logger='current',
                          level=logging.WARNING)
