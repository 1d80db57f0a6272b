import os.path as osp
import sys

# `custom_imports` names `projects.accel_fusion.accel_fusion`: the repository
# root must be importable (as with PYTHONPATH=. on the command line).
REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)
