"""Flow ops: warping, cost volume, resizing, in-frame and forward-backward
consistency masks.

PyTorch references everywhere; CUDA kernels for flow_warp and correlation.
"""
from .correlation import correlation, correlation_reference
from .ext import ext_status, get_ext, use_cuda_kernel
from .flow_resize import resize_flow
from .flow_utils import fb_consistency_mask
from .flow_warp import flow_to_grid, flow_warp, flow_warp_reference
from .in_frame import in_frame_mask

__all__ = [
    'correlation', 'correlation_reference', 'ext_status',
    'fb_consistency_mask', 'flow_to_grid', 'flow_warp', 'flow_warp_reference',
    'get_ext', 'in_frame_mask', 'resize_flow', 'use_cuda_kernel'
]
