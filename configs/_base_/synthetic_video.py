# Shared by the video segmentors on the synthetic benchmark (DFF, Clockwork,
# TDNet, plug-ins): training on labelled target-domain clips (a method sets the
# clip's frame_offsets), validation and test on every frame of the target val
# videos in order (stateful models), video-aware mIoU and temporal consistency,
# a 600-iteration poly schedule whose final checkpoint is the one evaluated.
_base_ = [
    './datasets/synthetic_clips.py', './default_runtime.py',
    './schedules/schedule_20k.py'
]
train_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='CityscapesSeqDataset', data_root='data/synthetic/cityscapes',
        split='train', protocol='shared15', rider='person',
        snippet_length=30, frame_offsets=[0],
        pipeline={{_base_.train_pipeline}}))
# Stateful test: one frame at a time, every frame of a video in order.
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
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
