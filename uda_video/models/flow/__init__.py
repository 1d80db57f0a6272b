"""Optical flow estimators (registered in uda_video's MODELS)."""
from .base import BaseFlowNet, FlowRefinementDecoder
from .classical import ClassicalFlow
from .flow_estimator import FlowEstimator
from .flownet_c import FlowNetC
from .flownet_s import FlowNetS
from .losses import (MultiScaleEPELoss, downsample_flow_target, endpoint_error,
                     multiscale_epe)

__all__ = [
    'BaseFlowNet', 'ClassicalFlow', 'FlowEstimator', 'FlowNetC', 'FlowNetS',
    'FlowRefinementDecoder', 'MultiScaleEPELoss', 'downsample_flow_target',
    'endpoint_error', 'multiscale_epe'
]
