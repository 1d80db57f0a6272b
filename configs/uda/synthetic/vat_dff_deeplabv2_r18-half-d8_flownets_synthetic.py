# VAT on DFF (key interval 5): the sequence discriminator sees the softmax of frames
# t and t-1, each propagated by flow from one key frame 1..5 frames before t, as DFF
# segments them at test time; the flow network is trained by both losses.
#   python tools/train.py configs/uda/synthetic/vat_dff_deeplabv2_r18-half-d8_flownets_synthetic.py
_base_ = ['./vat_deeplabv2_r18-half-d8_synthetic.py']
model = dict(segmentor=dict(
    _delete_=True,
    config='configs/dff/dff_deeplabv2_r18-half-d8_flownets_synthetic.py'))
# Frames t, t-1 (the discriminator's stack), then the key frame (DFF's clip_sampling).
frame_offsets = [0, -1, [-5, -1]]
train_dataloader = dict(dataset=dict(
    source=dict(frame_offsets=frame_offsets),
    target=dict(frame_offsets=frame_offsets)))
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
