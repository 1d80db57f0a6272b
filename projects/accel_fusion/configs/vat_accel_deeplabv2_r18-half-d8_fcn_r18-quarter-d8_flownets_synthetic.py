# VAT on Accel fusion (key interval 5): the discriminator sees the fused scores of
# frames t and t-1, each from one key frame's reference scores warped by flow and
# fused with the frame's update scores; the update head keeps its own source loss.
#   PYTHONPATH=. python tools/train.py projects/accel_fusion/configs/vat_accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py
_base_ = ['../../../configs/uda/synthetic/vat_deeplabv2_r18-half-d8_synthetic.py']
model = dict(segmentor=dict(
    _delete_=True,
    config='projects/accel_fusion/configs/accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py'))
# Frames t, t-1 (the discriminator's stack), then the key frame (the clip_sampling).
frame_offsets = [0, -1, [-5, -1]]
train_dataloader = dict(dataset=dict(
    source=dict(frame_offsets=frame_offsets),
    target=dict(frame_offsets=frame_offsets)))
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
