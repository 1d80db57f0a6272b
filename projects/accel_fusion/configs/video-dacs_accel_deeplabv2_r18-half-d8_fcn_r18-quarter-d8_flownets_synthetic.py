# Video DACS on Accel fusion (key interval 5): as video DACS on DFF
# (configs/uda/synthetic/video-dacs_dff_*): teacher scores of frames t, t-1, t+1
# from one key frame 0..4 frames before t, warped to t and fused; frame t and its
# key frame mixed with one mask, so the student's reference and update branches
# both see the pasted source classes. Run from the repository root with PYTHONPATH=.
#   PYTHONPATH=. python tools/train.py projects/accel_fusion/configs/video-dacs_accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py
_base_ = [
    '../../../configs/uda/synthetic/video-dacs_dff_deeplabv2_r18-half-d8_flownets_synthetic.py'
]
model = dict(segmentor=dict(
    _delete_=True,
    config='projects/accel_fusion/configs/accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py'))
