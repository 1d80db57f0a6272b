# VST on DFF (key interval 5), phase 2 after vat_dff_*: the EMA teacher DFF segments
# frames t-1, t, t+1 from one key frame 0..4 frames before t; their softmax is
# warped to t, fused and thresholded; the student DFF learns frame t from that key.
#   python tools/train.py configs/uda/synthetic/vat2vst_dff_deeplabv2_r18-half-d8_flownets_synthetic.py
_base_ = ['./vat2vst_deeplabv2_r18-half-d8_synthetic.py']
load_from = 'work_dirs/vat_dff_deeplabv2_r18-half-d8_flownets_synthetic/iter_400.pth'
model = dict(
    segmentor=dict(
        _delete_=True,
        config='configs/dff/dff_deeplabv2_r18-half-d8_flownets_synthetic.py',
        backbone=dict(norm_eval=True)),
    # Flow files hold consecutive frames only: the fused frames' flow comes
    # from OpenCV's DIS on the (normalized) frames instead.
    flow_source=dict(
        type='ClassicalFlow', method='dis', preset='medium',
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
# Frames t, t-1, t+1 (fused), then the key frame (DFF's clip_sampling).
frame_offsets = [0, -1, 1, [-4, 0]]
train_dataloader = dict(dataset=dict(
    target=dict(frame_offsets=frame_offsets, load_flow=False)))
pseudo_label_dataloader = dict(dataset=dict(
    frame_offsets=[0, -1, 1, -2], load_flow=False))
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
