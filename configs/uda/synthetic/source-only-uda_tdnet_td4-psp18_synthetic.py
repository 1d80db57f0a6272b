# Source-only TDNet TD4 in the UDA framework: the segmentor of
# configs/tdnet/tdnet_td4-psp18_synthetic.py trained on source clips of 4
# consecutive frames only; tested on every target val frame in order (mIoU, TC).
#   python tools/train.py configs/uda/synthetic/source-only-uda_tdnet_td4-psp18_synthetic.py
_base_ = ['./source-only-uda_deeplabv2_r18-half-d8_synthetic.py']
model = dict(segmentor=dict(
    _delete_=True, config='configs/tdnet/tdnet_td4-psp18_synthetic.py'))
# The key frame and the 3 before it, one per sub-network (TDNet's clip_sampling).
train_dataloader = dict(dataset=dict(
    source=dict(frame_offsets=[0, -1, -2, -3])))
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
