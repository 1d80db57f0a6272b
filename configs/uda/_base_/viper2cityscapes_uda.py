# VIPER -> Cityscapes-Seq (15 shared classes) on DeepLab-v2 ResNet-101 with the field's
# schedule: SGD lr 2.5e-4, momentum 0.9, weight decay 5e-4, poly 0.9, 40k iterations,
# batch 1 source + 1 target clip; discriminators Adam 1e-4 (0.9, 0.99), poly.
# ImageNet weights: torchvision://resnet101 (downloaded by mmengine on first use).
_base_ = [
    '../../_base_/models/deeplabv2_r101-d8.py',
    '../../_base_/datasets/cityscapes_seq.py',
    '../../_base_/default_runtime.py'
]
num_classes = 15
data_preprocessor = dict(
    type='ClipDataPreProcessor', mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375], bgr_to_rgb=True, size=None,
    size_divisor=8, test_cfg=dict(size_divisor=8))
segmentor = _base_.model.deepcopy()
segmentor.update(type='ClipEncoderDecoder', data_preprocessor=data_preprocessor)
segmentor.backbone.init_cfg = dict(type='Pretrained',
                                   checkpoint='torchvision://resnet101')
segmentor.decode_head.num_classes = num_classes
model = dict(_delete_=True, type='UDASegmentor', segmentor=segmentor)
# Several processes (tools/dist_train.sh): the UDA model runs its own train_step
# (several optimizers); gradients are averaged over the ranks before each step.
model_wrapper_cfg = dict(type='TrainStepDataParallel')

# VIPER source (as configs/_base_/datasets/viper.py, which cannot be inherited
# beside cityscapes_seq.py: both define frame_offsets).
source = dict(
    type='VIPERDataset', data_root='data/viper', split='train',
    protocol='shared15', img_suffix='.jpg', frame_offsets=[0],
    pipeline=[
        dict(type='LoadClip'),
        dict(type='ClipBroadcaster', share_random_params=True, transforms=[
            dict(type='RandomResize', scale=(1920, 1080),
                 ratio_range=(0.5, 1.0), keep_ratio=True,
                 resize_type='FlowAwareResize'),
            dict(type='FlowAwareRandomCrop', crop_size=(720, 1280),
                 cat_max_ratio=0.75),
            dict(type='FlowAwareRandomFlip', prob=0.5),
        ]),
        dict(type='ClipPhotoMetricDistortion', per_frame=False),
        dict(type='PackClipInputs'),
    ])
target = _base_.cityscapes_seq_train.deepcopy()
train_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='UDADataset', source=source, target=target, seed=0))
val_dataloader = dict(
    batch_size=1, num_workers=4, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=_base_.cityscapes_seq_val.deepcopy())
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

max_iters = 40000
sgd = dict(type='OptimWrapper',
           optimizer=dict(type='SGD', lr=2.5e-4, momentum=0.9,
                          weight_decay=5e-4),
           paramwise_cfg=dict(custom_keys={'decode_head': dict(lr_mult=10.)}))
adam = dict(type='OptimWrapper',
            optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99)))
optim_wrapper = dict(constructor='NamedModulesOptimWrapperConstructor',
                     segmentor=sgd)
poly = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
             by_epoch=False)]
param_scheduler = dict(segmentor=poly)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# Model selection: the schedule's end only.
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=5000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook', draw=False))
