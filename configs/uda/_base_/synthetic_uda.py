# Shared part of every UDA method on the synthetic benchmark: half-width DeepLab-v2 R18
# (15 classes) wrapped by a UDA model, UDADataset(source=VIPER layout, target=Cityscapes
# sequences), evaluation on the labelled target val frames, one schedule length.
# Method configs set `model` (type and method arguments; `segmentor` is below), the clip
# offsets and the optimizers they need.
_base_ = [
    '../../_base_/models/deeplabv2_r18-half-d8.py',
    '../../_base_/clip_preprocessor.py',
    '../../_base_/datasets/synthetic_clips.py',
    '../../_base_/default_runtime.py'
]
num_classes = 15
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(_base_.clip_preprocessor, size=(128, 128))
# The per-frame network of configs/_base_/models/deeplabv2_r18-half-d8.py, on clips.
segmentor = _base_.model.deepcopy()
segmentor.update(type='ClipEncoderDecoder', data_preprocessor=data_preprocessor)
segmentor.backbone.norm_cfg = norm_cfg
segmentor.decode_head.num_classes = num_classes
# Source-only in the UDA framework; methods change type and add their arguments.
model = dict(_delete_=True, type='UDASegmentor', segmentor=segmentor)
# Several processes (tools/dist_train.sh): the UDA model runs its own train_step
# (several optimizers); gradients are averaged over the ranks before each step.
model_wrapper_cfg = dict(type='TrainStepDataParallel')

source = _base_.source_train.deepcopy()
target = _base_.target_train_unlabelled.deepcopy()
train_dataloader = dict(
    batch_size=2, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='UDADataset', source=source, target=target, seed=0))

# Segmentor: SGD + poly (the field's DeepLab-v2 recipe, shortened); a method with a
# discriminator adds optim_wrapper.discriminator and param_scheduler.discriminator.
max_iters = 400
sgd = dict(type='OptimWrapper',
           optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))
optim_wrapper = dict(constructor='NamedModulesOptimWrapperConstructor',
                     segmentor=sgd)
poly = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
             by_epoch=False)]
param_scheduler = dict(segmentor=poly)
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters,
                 val_interval=max_iters + 1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# The checkpoint used is the schedule's end (never a val scan).
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters,
                    max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook', draw=False))
randomness = dict(seed=0)
