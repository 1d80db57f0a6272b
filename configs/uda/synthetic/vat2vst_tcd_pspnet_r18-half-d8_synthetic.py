# VST on the TCD student, phase 2 after vat_tcd_*: target-only self-training of the
# per-frame student (its temporal and distillation losses need source supervision,
# off here: source_loss_weight=0).
#   python tools/train.py configs/uda/synthetic/vat2vst_tcd_pspnet_r18-half-d8_synthetic.py
_base_ = ['./vat2vst_deeplabv2_r18-half-d8_synthetic.py']
load_from = 'work_dirs/vat_tcd_pspnet_r18-half-d8_synthetic/iter_400.pth'
model = dict(segmentor=dict(
    _delete_=True, config='configs/tcd/tcd_pspnet_r18-half-d8_synthetic.py',
    # The source-trained teacher: target labels never reach the adapted student.
    teacher_config='configs/synthetic/source-only_pspnet_r50-half-d8_synthetic.py',
    teacher_checkpoint='work_dirs/source-only_pspnet_r50-half-d8_synthetic/iter_600.pth',
    backbone=dict(norm_eval=True)))
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
