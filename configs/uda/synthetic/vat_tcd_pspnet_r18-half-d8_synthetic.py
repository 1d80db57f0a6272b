# VAT on the TCD student: the discriminator sees frames t and t-1 segmented per
# frame; on source clips the student also gets its temporal loss (frame t-1's
# logits warped to t by ground-truth flow) and its distillation losses.
#   python tools/train.py configs/uda/synthetic/vat_tcd_pspnet_r18-half-d8_synthetic.py
_base_ = ['./vat_deeplabv2_r18-half-d8_synthetic.py']
model = dict(segmentor=dict(
    _delete_=True, config='configs/tcd/tcd_pspnet_r18-half-d8_synthetic.py',
    # The source-trained teacher: target labels never reach the adapted student.
    teacher_config='configs/synthetic/source-only_pspnet_r50-half-d8_synthetic.py',
    teacher_checkpoint='work_dirs/source-only_pspnet_r50-half-d8_synthetic/iter_600.pth'))
train_dataloader = dict(dataset=dict(
    source=dict(load_flow=True, load_flow_back=True)))
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
