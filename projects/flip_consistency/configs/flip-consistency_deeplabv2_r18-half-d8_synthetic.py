# Flip consistency on target key frames plus source supervision (the flip_consistency
# plug-in). Run from the repository root with PYTHONPATH=.
_base_ = ['../../../configs/uda/_base_/synthetic_uda.py']
custom_imports = dict(imports=['projects.flip_consistency.flip_consistency'],
                      allow_failed_imports=False)
model = dict(type='FlipConsistencyUDA', lambda_cons=1.0, num_frames=1)
