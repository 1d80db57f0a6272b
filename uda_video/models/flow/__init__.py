"""Optical flow: the flow-source component (role ``flow_source``), flow
networks and their training (registered in uda_video's MODELS)."""
from .base import BaseFlowNet, FlowRefinementDecoder
from .classical import ClassicalFlow
from .flow_estimator import FlowEstimator
from .flow_source import (BaseFlowSource, FlowSourceOwner, FrozenFlow,
                          SampleFlow,
                          build_flow_source, flow_source_config,
                          rename_flow_keys)
from .flownet_c import FlowNetC
from .flownet_s import FlowNetS
from .losses import (MultiScaleEPELoss, downsample_flow_target, endpoint_error,
                     multiscale_epe)

__all__ = [
    'BaseFlowNet', 'BaseFlowSource', 'ClassicalFlow', 'FlowEstimator',
    'FlowNetC', 'FlowNetS', 'FlowRefinementDecoder', 'FlowSourceOwner',
    'FrozenFlow',
    'SampleFlow', 'MultiScaleEPELoss', 'build_flow_source',
    'downsample_flow_target', 'endpoint_error', 'flow_source_config',
    'multiscale_epe', 'rename_flow_keys'
]
