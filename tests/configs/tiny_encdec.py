# The smallest image segmentation job: half-width DeepLab-v2 R18 on a folder dataset
# of 64x64 images (tests write it and set train_dataloader.dataset.data_root).
_base_ = [
    '../../configs/_base_/models/deeplabv2_r18-half-d8.py',
    '../../configs/_base_/default_runtime.py',
    '../../configs/_base_/schedules/schedule_40k.py',
]
crop_size = (64, 64)
num_classes = 4
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(num_classes=num_classes))
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
dataset = dict(
    type='BaseSegDataset',
    data_root='',
    data_prefix=dict(img_path='img', seg_map_path='ann'),
    img_suffix='.png',
    seg_map_suffix='.png',
    metainfo=dict(
        classes=('a', 'b', 'c', 'd'),
        palette=[[0, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255]]),
    pipeline=pipeline)
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dataset)
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dataset)
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=0.01))
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=4,
         by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=100)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2))
randomness = dict(seed=0)
