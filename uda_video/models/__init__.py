from .decode_heads import *  # noqa: F401,F403
from .flow import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .necks import *  # noqa: F401,F403
from .video_modules import *  # noqa: F401,F403
from .segmentors import *  # noqa: F401,F403
from .uda import *  # noqa: F401,F403
from .data_preprocessor import ClipDataPreProcessor  # noqa: F401
