# Source-only Accel fusion in the UDA framework: the segmentor of
# ./accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py
# trained on source (current, key) pairs only, sampled as for DFF; tested on every
# target val frame in order (mIoU, TC). Run from the repository root with PYTHONPATH=.
#   PYTHONPATH=. python tools/train.py projects/accel_fusion/configs/source-only-uda_accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py
_base_ = [
    '../../../configs/uda/synthetic/source-only-uda_dff_deeplabv2_r18-half-d8_flownets_synthetic.py'
]
model = dict(segmentor=dict(
    _delete_=True,
    config='projects/accel_fusion/configs/accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py'))
