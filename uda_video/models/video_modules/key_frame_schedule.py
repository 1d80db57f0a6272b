"""Key-frame schedule: which frames of a video run the expensive network.

Frames are counted from a video's first frame (``frame_index`` 0). Key frames
are frame 0 and every frame t with ``(t - phase) % interval == 0``; interval 1
makes every frame a key frame. Labelled frames often sit on a fixed grid
(every 5th frame in Cityscapes-VPS): evaluating several phases covers every
distance between labelled and key frames.
"""
from typing import Mapping, Optional


def check_interval(interval: int, name: str = 'interval') -> int:
    """``interval`` if it is an int >= 1, else a ValueError naming ``name``."""
    if isinstance(interval, bool) or not isinstance(interval, int) or (
            interval < 1):
        raise ValueError(f'{name} must be an int >= 1, got {interval!r}')
    return interval


def check_phase(phase: int, interval: int, name: str = 'phase',
                interval_name: str = 'interval') -> int:
    """``phase`` if it is an int in [0, interval), else a ValueError."""
    if isinstance(phase, bool) or not isinstance(phase, int) or not (
            0 <= phase < interval):
        raise ValueError(f'{name} must be an int in [0, {interval_name}='
                         f'{interval}), got {phase!r}')
    return phase


class KeyFrameSchedule:
    """Key frames every ``interval`` frames, shifted by ``phase``.

    A plain value object (no weights, nothing in a state dict).

    Args:
        interval (int): Frames between key frames, >= 1.
        phase (int): Offset of the key grid, in [0, interval).
        interval_name (str): Name of ``interval`` in error messages (the
            config key it came from).
        phase_name (str): Name of ``phase`` in error messages.
    """

    def __init__(self,
                 interval: int = 5,
                 phase: int = 0,
                 interval_name: str = 'interval',
                 phase_name: str = 'phase') -> None:
        self.interval = check_interval(interval, interval_name)
        self.phase = check_phase(phase, interval, phase_name, interval_name)

    @classmethod
    def from_test_cfg(cls, test_cfg: Optional[Mapping]) -> 'KeyFrameSchedule':
        """The schedule of ``test_cfg.key_frame_interval`` (default 5) and
        ``test_cfg.key_frame_phase`` (default 0); errors name those keys."""
        cfg = test_cfg or {}
        return cls(
            interval=cfg.get('key_frame_interval', 5),
            phase=cfg.get('key_frame_phase', 0),
            interval_name='test_cfg.key_frame_interval',
            phase_name='test_cfg.key_frame_phase')

    def is_key(self, frame_index: int) -> bool:
        """Whether ``frame_index`` (0: a video's first frame) is a key."""
        if frame_index < 0:
            raise ValueError(f'frame_index must be >= 0, got {frame_index}')
        return frame_index == 0 or (
            frame_index - self.phase) % self.interval == 0

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(interval={self.interval}, '
                f'phase={self.phase})')
