# Source-only DFF (key interval 5) in the UDA framework: the segmentor of
# configs/dff/dff_deeplabv2_r18-half-d8_flownets_synthetic.py trained on source
# (current, key) pairs only; tested on every target val frame in order (mIoU, TC).
# The reference the adapted DFF (vat_dff_*, vat2vst_dff_*) must beat.
#   python tools/train.py configs/uda/synthetic/source-only-uda_dff_deeplabv2_r18-half-d8_flownets_synthetic.py
_base_ = ['./source-only-uda_deeplabv2_r18-half-d8_synthetic.py']
model = dict(segmentor=dict(
    _delete_=True,
    config='configs/dff/dff_deeplabv2_r18-half-d8_flownets_synthetic.py'))
# The labelled frame, then its key frame 0..4 frames back (DFF's clip_sampling).
train_dataloader = dict(dataset=dict(source=dict(frame_offsets=[0, [-4, 0]])))
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
