"""Models of the uda_video scope: importing this package registers them in
MODELS. Their public names are exported by the subpackages
(``uda_video.models.segmentors``, ``.uda``, ``.flow``, ...)."""
from . import backbones  # noqa: F401
from . import decode_heads  # noqa: F401
from . import flow  # noqa: F401
from . import losses  # noqa: F401
from . import necks  # noqa: F401
from . import video_modules  # noqa: F401
from . import segmentors  # noqa: F401
from . import uda  # noqa: F401
from . import data_preprocessor  # noqa: F401

__all__ = []
