# Video DACS on the TCD student: temporal pseudo labels of target frames t, t-1, t+1
# (the benchmark's flow) and ClassMix on frame t, as for the per-frame network; on
# source clips the student keeps its temporal loss (frame t-1's logits warped to t by
# ground-truth flow) and its distillation from the source-trained teacher.
#   python tools/train.py configs/uda/synthetic/video-dacs_tcd_pspnet_r18-half-d8_synthetic.py
_base_ = ['./video-dacs_deeplabv2_r18-half-d8_synthetic.py']
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
# Source clips: the key frame and its previous frame, with flow both ways (the
# student's clip_losses); target clips: video DACS's.
train_dataloader = dict(dataset=dict(source=dict(
    frame_offsets=[0, -1], load_flow=True, load_flow_back=True)))
model = dict(segmentor=dict(
    _delete_=True, config='configs/tcd/tcd_pspnet_r18-half-d8_synthetic.py',
    # The source-trained teacher: target labels never reach the adapted student.
    teacher_config='configs/synthetic/source-only_pspnet_r50-half-d8_synthetic.py',
    teacher_checkpoint='work_dirs/source-only_pspnet_r50-half-d8_synthetic/iter_600.pth'))
