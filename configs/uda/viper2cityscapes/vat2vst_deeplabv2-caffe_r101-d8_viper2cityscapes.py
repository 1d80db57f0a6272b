# Phase 2, video self-training on Cityscapes sequences only, from phase 1's checkpoint.
# Flow: precomputed by tools/dataset_converters/compute_flow.py and loaded with the clips (load_flow).
# Pseudo labels: online (EMA teacher), or offline rounds (docs/uda.md, "Pseudo
# labels"): tools/misc/gen_pseudo_labels.py THIS_CONFIG CHECKPOINT --out DIR labels every
# frame of the training target set; train on them with --cfg-options
#   model.pseudo_labels=files train_dataloader.dataset.target.pipeline.1.pseudo_label_dir=DIR
# (the target pipeline's LoadPseudoLabel: the labels follow each frame's resize,
# crop and flip).
_base_ = ['../_base_/viper2cityscapes_uda.py']
load_from = 'work_dirs/vat_deeplabv2-caffe_r101-d8_viper2cityscapes/iter_120000.pth'  # phase 1
frame_offsets = [0, -1, 1]
# Phase 2 keeps the BN statistics of phase 1 (norm_eval), see docs/uda.md,
# 'Self-training and BN statistics'.
model = dict(segmentor=dict(backbone=dict(norm_eval=True)),
             type='SelfTrainingUDA', num_frames=3, pseudo_labels='online',
             keep_fraction=0.5, max_threshold=0.9, consistency=True,
             threshold_momentum=0.99, ema_momentum=0.999,
             source_loss_weight=0.0)
train_dataloader = dict(dataset=dict(
    target=dict(frame_offsets=frame_offsets, load_flow=True)))
# The default runtime's hooks (a list is replaced, not merged) plus the EMA teacher.
custom_hooks = _base_.custom_hooks + [dict(type='EMATeacherHook')]
max_iters = 20000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
param_scheduler = dict(segmentor=[
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters,
         by_epoch=False)
])
# Offline rounds label every frame the training target set uses (all_frames), at
# the test input size, without random geometry.
pseudo_label_dataloader = dict(
    batch_size=1, num_workers=4,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CityscapesSeqDataset', data_root='data/cityscapes',
        split='train', protocol='shared15', rider='person', all_frames=True,
        frame_offsets=frame_offsets, load_flow=True,
        pipeline={{_base_.cityscapes_test_pipeline}}))
