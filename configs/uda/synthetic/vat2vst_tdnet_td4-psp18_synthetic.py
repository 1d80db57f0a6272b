# VST on TDNet TD4, phase 2 after vat_tdnet_*: the EMA teacher TDNet segments frames
# t, t-1, t-2 as at test time (sub-networks + attention propagation); their softmax
# is warped to t by flow, fused and thresholded.
#   python tools/train.py configs/uda/synthetic/vat2vst_tdnet_td4-psp18_synthetic.py
_base_ = ['./vat2vst_deeplabv2_r18-half-d8_synthetic.py']
load_from = 'work_dirs/vat_tdnet_td4-psp18_synthetic/iter_400.pth'
model = dict(
    segmentor=dict(
        _delete_=True, config='configs/tdnet/tdnet_td4-psp18_synthetic.py',
        sub_network=dict(backbone=dict(norm_eval=True))),
    # Flow files hold consecutive frames only: the fused frames' flow comes
    # from OpenCV's DIS on the (normalized) frames instead.
    flow_source=dict(
        type='ClassicalFlow', method='dis', preset='medium',
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
# Frames t, t-1, t-2 (fused) and the 3 before t-2 (TDNet's clip_sampling).
frame_offsets = [0, -1, -2, -3, -4, -5]
train_dataloader = dict(dataset=dict(
    target=dict(frame_offsets=frame_offsets, load_flow=False)))
pseudo_label_dataloader = dict(dataset=dict(
    frame_offsets=frame_offsets, load_flow=False))
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
