# Per-frame DeepLab-v2 (R18, half width) trained on the synthetic source domain only,
# evaluated on the synthetic target val frames: the lower end of the domain gap.
_base_ = [
    '../_base_/models/deeplabv2_r18-half-d8.py',
    '../_base_/clip_preprocessor.py',
    '../_base_/datasets/synthetic_clips.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_20k.py'
]
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='ClipEncoderDecoder',
    data_preprocessor=dict(
        _delete_=True, **_base_.clip_preprocessor, size=(128, 128)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=15))
train_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset={{_base_.source_train}})
max_iters = 600
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters),
    visualization=dict(type='SegVisualizationHook', draw=False))
randomness = dict(seed=0)
