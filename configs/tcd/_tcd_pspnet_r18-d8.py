# Temporal-consistency distillation student: a per-frame PSPNet-R18 trained on
# (t, t-1) clips with the temporal loss and pixel-wise, pair-wise and
# motion-guided distillation from a frozen PSPNet-101 teacher.
_base_ = '../_base_/models/pspnet_r18-d8.py'
model = dict(
    type='TemporalDistillSegmentor',
    flow_source=dict(type='SampleFlow'),  # the clip's gt_flow (load_flow=True)
    teacher_config=None,  # set both to distil; None = temporal loss only
    teacher_checkpoint=None,
    temporal_weight=1.0,
    pixel_kd_weight=1.0,
    pair_kd_weight=1.0,
    motion_kd_weight=1.0,
    kd_temperature=1.0,
    pair_pool_size=2)
