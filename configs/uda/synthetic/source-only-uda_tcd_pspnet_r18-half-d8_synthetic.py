# Source-only TCD student in the UDA framework: the student of
# configs/tcd/tcd_pspnet_r18-half-d8_synthetic.py (train its teacher first) trained
# on source (t, t-1) clips with its temporal loss (ground-truth flow both ways) and
# distillation; tested on every target val frame in order (mIoU, TC).
#   python tools/train.py configs/uda/synthetic/source-only-uda_tcd_pspnet_r18-half-d8_synthetic.py
_base_ = ['./source-only-uda_deeplabv2_r18-half-d8_synthetic.py']
model = dict(segmentor=dict(
    _delete_=True, config='configs/tcd/tcd_pspnet_r18-half-d8_synthetic.py',
    # The source-trained teacher: target labels never reach the adapted student.
    teacher_config='configs/synthetic/source-only_pspnet_r50-half-d8_synthetic.py',
    teacher_checkpoint='work_dirs/source-only_pspnet_r50-half-d8_synthetic/iter_600.pth'))
# The key frame and its previous frame, with flow (the student's clip_losses).
train_dataloader = dict(dataset=dict(source=dict(
    frame_offsets=[0, -1], load_flow=True, load_flow_back=True)))
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
