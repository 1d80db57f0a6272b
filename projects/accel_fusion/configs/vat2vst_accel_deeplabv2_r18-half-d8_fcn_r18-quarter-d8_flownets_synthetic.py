# VST on Accel fusion (key interval 5), phase 2 after vat_accel_*: the EMA teacher
# segments frames t-1, t, t+1 from one key frame 0..4 frames before t; their
# softmax is warped to t (OpenCV's DIS flow, as for DFF), fused and thresholded.
#   PYTHONPATH=. python tools/train.py projects/accel_fusion/configs/vat2vst_accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py
_base_ = [
    '../../../configs/uda/synthetic/vat2vst_dff_deeplabv2_r18-half-d8_flownets_synthetic.py'
]
load_from = 'work_dirs/vat_accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic/iter_400.pth'
model = dict(segmentor=dict(
    _delete_=True,
    config='projects/accel_fusion/configs/accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py',
    backbone=dict(norm_eval=True), update_backbone=dict(norm_eval=True)))
