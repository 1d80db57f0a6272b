# Source-only Accel fusion in the UDA framework: the segmentor of
# ./accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py
# trained on source (current, key) pairs only; tested on every target val frame in
# order (mIoU, TC). Run from the repository root with PYTHONPATH=.
#   PYTHONPATH=. python tools/train.py projects/accel_fusion/configs/source-only-uda_accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py
_base_ = [
    '../../../configs/uda/synthetic/source-only-uda_deeplabv2_r18-half-d8_synthetic.py'
]
model = dict(segmentor=dict(
    _delete_=True,
    config='projects/accel_fusion/configs/accel_deeplabv2_r18-half-d8_fcn_r18-quarter-d8_flownets_synthetic.py'))
# The labelled frame, then its key frame 0..4 frames back (the clip_sampling).
train_dataloader = dict(dataset=dict(source=dict(frame_offsets=[0, [-4, 0]])))
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
