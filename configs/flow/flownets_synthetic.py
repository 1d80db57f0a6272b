# FlowNetS (width 16) trained on the ground-truth flow of the synthetic
# benchmark's source videos (tools/dataset_converters/make_synthetic_dataset.py --out data/synthetic):
# clips (frame t, frame t+1) with gt_flow = flow t -> t+1, one random geometry
# per clip, multi-scale EPE. The checkpoint initialises DFF's flow network
# (configs/dff: init_cfg=dict(type='Pretrained', checkpoint=..., prefix='flow_net.')).
#   python tools/train.py configs/flow/flownets_synthetic.py
_base_ = [
    '../_base_/clip_preprocessor.py', '../_base_/default_runtime.py'
]
crop_size = (128, 128)
# One random geometry for both frames and the flow (flow-aware resize/crop/flip).
train_pipeline = [
    dict(type='LoadClip'),
    dict(type='ClipBroadcaster', share_random_params=True, transforms=[
        dict(type='RandomResize', scale=(256, 128), ratio_range=(0.75, 1.5),
             keep_ratio=True, resize_type='FlowAwareResize'),
        dict(type='FlowAwareRandomCrop', crop_size=crop_size),
        dict(type='FlowAwareRandomFlip', prob=0.5),
    ]),
    dict(type='ClipPhotoMetricDistortion', per_frame=False),
    dict(type='PackClipInputs'),
]
model = dict(
    type='FlowEstimator',
    # Flow is not tested through this config: no test-time padding.
    data_preprocessor=dict(
        _base_.clip_preprocessor, size=crop_size, test_cfg=None),
    flow_net=dict(type='FlowNetS', base_channels=16),
    loss=dict(type='MultiScaleEPELoss',
              weights=(0.32, 0.08, 0.02, 0.01, 0.005)),
    ref_index=1)
train_dataloader = dict(
    batch_size=8, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='VIPERDataset', data_root='data/synthetic/viper', split='train',
        protocol='shared15', all_frames=True, frame_offsets=[0, 1],
        load_flow=True, pipeline=train_pipeline))
# Flow models are not segmentors: no mIoU validation (the training log
# reports 'epe', the full-resolution end-point error of each batch).
val_dataloader = None
val_evaluator = None
val_cfg = None
test_dataloader = None
test_evaluator = None
test_cfg = None
max_iters = 2000
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3,
                                        betas=(0.9, 0.999)))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval=max_iters),
    sampler_seed=dict(type='DistSamplerSeedHook'))
randomness = dict(seed=0)
