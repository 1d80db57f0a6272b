"""uda_video: video semantic segmentation and Sim2Real video UDA on mmseg 1.x."""
from .utils.checkpoint import allow_mmengine_checkpoints
from .utils.fileio import register_atomic_backend
from .version import __version__

# mmengine 0.10.7 loads checkpoints with torch.load's default weights_only=True
# on torch >= 2.6: allow-list the exact classes its checkpoints hold.
allow_mmengine_checkpoints()
# Checkpoints are written to a temporary file and renamed (never half-written).
register_atomic_backend()

__all__ = ['__version__']
