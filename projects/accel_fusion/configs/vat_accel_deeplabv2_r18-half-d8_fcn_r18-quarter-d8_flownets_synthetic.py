# VAT on Accel fusion (key interval 5): the discriminator sees the fused scores of
# frames t and t-1, each from one key frame's reference scores warped by flow and
# fused with the frame's update scores; the update head keeps its own source loss.
# Clips are sampled as for DFF: frames t, t-1, then the key frame.
#   PYTHONPATH=. python tools/train.py projects/accel_fusion/configs/vat_accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py
_base_ = [
    '../../../configs/uda/synthetic/vat_dff_deeplabv2_r18-half-d8_flownets_synthetic.py'
]
model = dict(segmentor=dict(
    _delete_=True,
    config='projects/accel_fusion/configs/accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py'))
