"""A progress bar with time left for test runs, shown only on a terminal."""
import sys

from mmengine.dist import is_main_process
from mmengine.hooks import Hook
from mmengine.utils import ProgressBar

from uda_video.registry import HOOKS


@HOOKS.register_module()
class TestProgressBarHook(Hook):
    """Draw an mmengine ProgressBar (count, rate, ETA) over the test loader.

    Quiet when stdout is not a terminal (CI logs, redirected output) and on
    ranks other than 0; the runner's log lines carry progress there.
    """

    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._bar = None

    def before_test(self, runner) -> None:
        if sys.stdout.isatty() and is_main_process():
            self._bar = ProgressBar(len(runner.test_dataloader))

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None) -> None:
        if self._bar is not None:
            self._bar.update()

    def after_test(self, runner) -> None:
        if self._bar is not None:
            sys.stdout.write('\n')
            self._bar = None
