# Deep Feature Flow on the synthetic benchmark (tools/make_synthetic_dataset.py
# --out data/synthetic): half-width DeepLab-v2 R18 as the feature/task network,
# a narrow FlowNetS (width 16) at half resolution, trained end to end on
# (current, key) pairs from the labelled target-domain clips; tested frame by
# frame on whole val videos with a key frame every 5 frames.
_base_ = [
    '../_base_/models/deeplabv2_r18-half-d8.py',
    '../_base_/datasets/synthetic_clips.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_20k.py'
]
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='DFFSegmentor',
    data_preprocessor=dict(
        _delete_=True, type='ClipDataPreProcessor',
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True, size=(128, 128), test_cfg=dict(size_divisor=8)),
    # Only the level the head reads is cached and propagated.
    backbone=dict(norm_cfg=norm_cfg, out_indices=(3, )),
    decode_head=dict(in_index=0, num_classes=15),
    # Start from a flow network trained on ground-truth flow (configs/flow) with
    # init_cfg=dict(type='Pretrained', checkpoint=..., prefix='flow_net.')
    # when its checkpoint holds a segmentor, or without prefix otherwise.
    flow_net=dict(type='FlowNetS', base_channels=16),
    scale_field=dict(type='ScaleFieldHead', out_channels=(256, ), channels=32),
    flow_input_scale=0.5,
    test_cfg=dict(mode='whole', key_frame_interval=5))
# (current, key) pairs: the key frame 0..4 frames before the labelled frame,
# the distances a key interval of 5 produces at test time.
train_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='CityscapesSeqDataset', data_root='data/synthetic/cityscapes',
        split='train', protocol='shared15', rider='person',
        snippet_length=30, frame_offsets=[0, [-4, 0]],
        pipeline={{_base_.train_pipeline}}))
# Stateful test: one frame at a time, every frame of a video in order.
val_dataloader = dict(
    batch_size=1, num_workers=0, persistent_workers=False,
    sampler=dict(_delete_=True, type='VideoSampler'),
    dataset={{_base_.target_val_video}})
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='VideoIoUMetric')
test_evaluator = val_evaluator
max_iters = 600
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False,
                    interval=max_iters),
    visualization=dict(type='SegVisualizationHook', draw=False))
randomness = dict(seed=0)
