# VIPER -> Cityscapes-Seq (15 shared classes) on DeepLab-v2 ResNet-101 with the field's
# protocol (docs/datasets.md, "The field's protocol"; sources: Dayan-Guan/DA-VSN
# davsn/domain_adaptation/config.py, davsn/scripts/configs/davsn_viper2city.yml):
# whole frames, VIPER 1280x720 and Cityscapes 1024x512 (aug='field'), batch 1 source
# + 1 target clip, auxiliary segmentation weight 0.1, SGD lr 2.5e-4, momentum 0.9,
# weight decay 5e-4, poly 0.9 over 250k stopped at 120k iterations; discriminators
# Adam 1e-4 (0.9, 0.99), the same poly; test at 1024x512 scored at 2048x1024.
# Network: the field's caffe-style DeepLab-v2 ResNet-101, BGR input minus the caffe
# mean (configs/_base_/models/deeplabv2-caffe_r101-d8.py), initialised from the
# field's ImageNet weights, DeepLab_resnet_pretrained_imagenet.pth (the AdvEnt
# release, valeoai/ADVENT, which DA-VSN and TPS also start from), converted once:
#   python tools/model_converters/convert_checkpoint.py DeepLab_resnet_pretrained_imagenet.pth \
#       checkpoints/deeplabv2_r101_imagenet_caffe.pth
# (docs/getting_started.md, "The field's DeepLab-v2 and its checkpoints").
_base_ = [
    '../../_base_/models/deeplabv2-caffe_r101-d8.py',
    '../../_base_/clip_preprocessor.py',
    '../../_base_/datasets/cityscapes_seq.py',
    '../../_base_/datasets/viper.py',
    '../../_base_/default_runtime.py', './uda_schedule.py'
]
num_classes = 15
# Whole frames of any size, padded to a multiple of 8; the caffe statistics.
data_preprocessor = dict(
    _base_.clip_preprocessor, mean=_base_.caffe_mean, std=[1.0, 1.0, 1.0],
    bgr_to_rgb=False, size=None, size_divisor=8)
segmentor = _base_.model.deepcopy()
segmentor.update(type='ClipEncoderDecoder', data_preprocessor=data_preprocessor)
segmentor.backbone.init_cfg = dict(
    type='Pretrained', checkpoint='checkpoints/deeplabv2_r101_imagenet_caffe.pth',
    prefix='backbone.')
segmentor.decode_head.num_classes = num_classes
model = dict(_delete_=True, type='UDASegmentor', segmentor=segmentor)

# ---- BN ----
# bn_policy: 'frozen' (default): the backbone's BatchNorm keeps its ImageNet
# statistics (norm_eval) and affine parameters (requires_grad=False). Phase 1
# forwards one source and one target clip separately, so batch statistics
# would come from one frame of one domain (docs/datasets.md, "The field's
# protocol"). 'affine_frozen': the field's code (AdvEnt's ResNet: BN parameters
# requires_grad=False, the network in train mode: per-batch statistics,
# running averages updated); 'train': mmseg's default, everything trained.
# A child config picks another with, e.g. for 'affine_frozen',
#   model = dict(segmentor=dict(backbone=dict(
#       norm_eval=False, norm_cfg=dict(requires_grad=False))))
bn_policy = 'frozen'
bn_policies = dict(frozen=dict(norm_eval=True, requires_grad=False),
                   affine_frozen=dict(norm_eval=False, requires_grad=False),
                   train=dict(norm_eval=False, requires_grad=True))
segmentor.backbone.norm_eval = bn_policies[bn_policy]['norm_eval']
segmentor.backbone.norm_cfg = dict(
    segmentor.backbone.norm_cfg,
    requires_grad=bn_policies[bn_policy]['requires_grad'])
# Auxiliary segmentation (the field's multi-level DeepLab-v2: DA-VSN
# TRAIN.MULTI_LEVEL = True, LAMBDA_SEG_AUX = 0.1): the main head's classifier on
# stage 3 (1024 channels), supervised on the source with weight 0.1.
segmentor.auxiliary_head = dict(_base_.aux_head, num_classes=num_classes)

# ---- DATA ----
# aug: 'field' (default): whole frames resized, VIPER 1280x720 and Cityscapes
# 1024x512, no crop, flip or photometric change (DA-VSN's TRAIN.INPUT_SIZE_SOURCE /
# INPUT_SIZE_TARGET); 'scale_crop': this project's random scale 0.5-1.0, crops of
# 720x1280 (VIPER) / 512x1024 (Cityscapes), flip and photometric distortion.
# A child config picks the other with
#   train_dataloader = dict(dataset=_base_.aug_pipelines.scale_crop)
aug = 'field'
# The target pipelines' second step loads offline pseudo labels when its
# pseudo_label_dir is set (docs/uda.md, "Pseudo labels"); None: a no-op.
pseudo_label_step = dict(type='LoadPseudoLabel', pseudo_label_dir=None,
                         num_classes=num_classes)
# The target's crops never look at its labels (cat_max_ratio=1.0): the target
# ground truth of the labelled key frames must not steer training.
target_scale_crop_steps = [
    step.deepcopy() for step in _base_.cityscapes_pipelines.scale_crop[1:]]
target_scale_crop_steps[0].transforms[1].cat_max_ratio = 1.0
aug_pipelines = dict(
    field=dict(
        source=dict(pipeline=_base_.viper_pipelines.field),
        target=dict(pipeline=_base_.cityscapes_pipelines.field[:1]
                    + [pseudo_label_step]
                    + _base_.cityscapes_pipelines.field[1:])),
    scale_crop=dict(
        source=dict(pipeline=_base_.viper_pipelines.scale_crop),
        target=dict(pipeline=_base_.cityscapes_pipelines.scale_crop[:1]
                    + [pseudo_label_step]
                    + target_scale_crop_steps)))
# Source samples: the field's key frames (DA-VSN davsn/dataset/Viper_list/train.txt:
# every 10th frame that has its previous frame, 13,367 in 77 train sequences).
source = _base_.viper_train.deepcopy()
source.update(key_frames='every_10th',
              pipeline=aug_pipelines[aug]['source']['pipeline'])
target = _base_.cityscapes_seq_train.deepcopy()
target.update(pipeline=aug_pipelines[aug]['target']['pipeline'])
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

# ---- SCHEDULE ----
# DA-VSN (davsn/domain_adaptation/config.py, as AdvEnt): TRAIN.EARLY_STOP = 120000
# iterations of a poly schedule sized for TRAIN.MAX_ITERS = 250000 (AdvEnt's
# adjust_learning_rate: lr * (1 - i / MAX_ITERS) ** 0.9, generator and
# discriminators alike); LEARNING_RATE 2.5e-4 (classifiers x10), MOMENTUM 0.9,
# WEIGHT_DECAY 5e-4, LEARNING_RATE_D 1e-4. The checkpoint evaluated is the last one.
max_iters = 120000
poly_iters = 250000
sgd = dict(type='OptimWrapper',
           optimizer=dict(type='SGD', lr=2.5e-4, momentum=0.9,
                          weight_decay=5e-4),
           paramwise_cfg=dict(custom_keys={
               'decode_head': dict(lr_mult=10.),
               'auxiliary_head': dict(lr_mult=10.)}))
adam = dict(type='OptimWrapper',
            optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99)))
optim_wrapper = dict(segmentor=sgd)
poly = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=poly_iters,
             by_epoch=False)]
param_scheduler = dict(segmentor=poly)
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
# Model selection: the schedule's end only.
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=5000))
