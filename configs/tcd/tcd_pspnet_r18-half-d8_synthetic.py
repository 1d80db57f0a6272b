# Temporal-consistency distillation on the synthetic benchmark: the per-frame
# PSPNet (half-width R18) of ../tdnet/per-frame_pspnet_r18-half-d8_synthetic.py trained on
# (t, t-1) clips with ground-truth flow both ways (forward-backward occlusion
# mask), distilled from the half-width PSPNet-R50 teacher
# of ../tdnet/per-frame_pspnet_r50-half-d8_synthetic.py (train that first).
_base_ = '../tdnet/per-frame_pspnet_r18-half-d8_synthetic.py'
model = dict(
    type='TemporalDistillSegmentor',
    flow_source=dict(type='SampleFlow'),  # gt_flow + gt_flow_back of the clip
    teacher_config='configs/tdnet/per-frame_pspnet_r50-half-d8_synthetic.py',
    teacher_checkpoint='work_dirs/per-frame_pspnet_r50-half-d8_synthetic/iter_600.pth',
    temporal_weight=1.0,
    pixel_kd_weight=1.0,
    pair_kd_weight=1.0,
    motion_kd_weight=1.0,
    kd_temperature=1.0,
    pair_pool_size=2)
train_dataloader = dict(
    dataset=dict(frame_offsets=[0, -1], load_flow=True, load_flow_back=True))
