# VAT on TDNet TD4: the discriminator sees frames t and t-1, each composed by the
# attention propagation from its own sub-network and the 3 frames before it, as
# TDNet segments them at test time; every sub-network runs once per clip.
#   python tools/train.py configs/uda/synthetic/vat_tdnet_td4-psp18_synthetic.py
_base_ = ['./vat_deeplabv2_r18-half-d8_synthetic.py']
model = dict(segmentor=dict(
    _delete_=True, config='configs/tdnet/tdnet_td4-psp18_synthetic.py'))
# Frames t, t-1 and the 3 before t-1 (TDNet's clip_sampling for 2 frames).
frame_offsets = [0, -1, -2, -3, -4]
train_dataloader = dict(dataset=dict(
    source=dict(frame_offsets=frame_offsets),
    target=dict(frame_offsets=frame_offsets)))
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
