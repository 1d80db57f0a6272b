# Video DACS on DFF (key interval 5): the EMA teacher DFF segments frames t, t-1, t+1
# from one key frame 0..4 frames before t; their softmax is warped to t, fused and
# kept where the frames agree. ClassMix pastes the source classes onto frame t and
# onto its key frame with one mask; the student DFF segments the mixed frame t from
# the mixed key frame's propagated features, as it does at test time.
#   python tools/train.py configs/uda/synthetic/video-dacs_dff_deeplabv2_r18-half-d8_flownets_synthetic.py
_base_ = ['./video-dacs_deeplabv2_r18-half-d8_synthetic.py']
model = dict(
    segmentor=dict(
        _delete_=True,
        config='configs/dff/dff_deeplabv2_r18-half-d8_flownets_synthetic.py'),
    # Frame t and the key frame (the clip's last) of both domains are mixed.
    mix_frames=[0, -1],
    # The key frame is up to 4 frames away and flow files link consecutive
    # frames only: the teacher's flow t -> t-1, t+1 is OpenCV's DIS.
    flow_source=dict(
        type='ClassicalFlow', method='dis', preset='medium',
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
# Source: frame t, then its key frame (DFF's clip_sampling); target: frames t,
# t-1, t+1 (fused), then the key frame.
frame_offsets = [0, -1, 1, [-4, 0]]
train_dataloader = dict(dataset=dict(
    source=dict(frame_offsets=[0, [-4, 0]]),
    target=dict(frame_offsets=frame_offsets, load_flow=False)))
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
