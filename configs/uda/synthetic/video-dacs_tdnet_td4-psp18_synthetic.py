# Video DACS on TDNet TD4: the EMA teacher TDNet composes frames t, t-1, t-2 as at
# test time; their softmax is warped to t (OpenCV's DIS: flow files link
# consecutive frames only), fused and kept where the frames agree. ClassMix pastes
# the source classes with one mask onto frame t and the 3 frames before it, so every
# sub-network of the student sees the mixed clip.
#   python tools/train.py configs/uda/synthetic/video-dacs_tdnet_td4-psp18_synthetic.py
_base_ = ['./video-dacs_deeplabv2_r18-half-d8_synthetic.py']
model = dict(
    segmentor=dict(
        _delete_=True, config='configs/tdnet/tdnet_td4-psp18_synthetic.py'),
    mix_frames=4,
    flow_source=dict(
        type='ClassicalFlow', method='dis', preset='medium',
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
# Source: t and the 3 before it (TDNet's clip_sampling for one frame); target:
# t, t-1, t-2 (fused) and the 3 before t-2.
frame_offsets = [0, -1, -2, -3, -4, -5]
train_dataloader = dict(dataset=dict(
    source=dict(frame_offsets=[0, -1, -2, -3]),
    target=dict(frame_offsets=frame_offsets, load_flow=False)))
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
