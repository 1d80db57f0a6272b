# Shared part of every UDA method on the synthetic benchmark: half-width DeepLab-v2 R18
# (15 classes) wrapped by a UDA model, UDADataset(source=VIPER layout, target=Cityscapes
# sequences), evaluation on the labelled target val frames, one schedule length.
# Method configs set `model` (type and method arguments; `segmentor` is below), the clip
# offsets and the optimizers they need.
_base_ = [
    '../../_base_/models/deeplabv2_r18-half-d8.py',
    '../../_base_/clip_preprocessor.py',
    '../../_base_/datasets/synthetic_clips.py',
    '../../_base_/default_runtime.py', './uda_schedule.py'
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

source = _base_.source_train.deepcopy()
target = _base_.target_train_unlabelled.deepcopy()
train_dataloader = dict(
    batch_size=2, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='UDADataset', source=source, target=target, seed=0))

# Segmentor: SGD + poly (the field's DeepLab-v2 recipe, shortened); a method with a
# discriminator adds optim_wrapper.discriminator=adam and
# param_scheduler.discriminator=d_poly.
max_iters = 400
sgd = dict(type='OptimWrapper',
           optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))
adam = dict(type='OptimWrapper',
            optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99)))
optim_wrapper = dict(segmentor=sgd)
poly = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters,
             by_epoch=False)]
d_poly = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
               by_epoch=False)]
param_scheduler = dict(segmentor=poly)
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
# The checkpoint used is the schedule's end (never a val scan).
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_iters, max_keep_ckpts=1))
randomness = dict(seed=0)
