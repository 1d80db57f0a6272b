"""Hooks of the uda_video scope: training (EMA teacher) and test outputs."""
from .ema_teacher import EMATeacherHook
from .test_outputs import PredictionWriterHook, VPSSubmissionHook

__all__ = ['EMATeacherHook', 'PredictionWriterHook', 'VPSSubmissionHook']
