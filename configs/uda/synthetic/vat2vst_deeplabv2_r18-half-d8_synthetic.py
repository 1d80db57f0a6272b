# Phase 2, video self-training (VST) on target clips only, from phase 1's checkpoint.
# Pseudo labels of frame t: EMA teacher softmax of frames t-1, t, t+1 warped to t by
# flow (the benchmark's precomputed flow files, loaded with the clips), mean-fused,
# class-balanced thresholds (keep 50% per class, cap 0.9), temporal agreement.
#   python tools/train.py configs/uda/synthetic/vat2vst_deeplabv2_r18-half-d8_synthetic.py \
#       --cfg-options load_from=work_dirs/vat/iter_400.pth
_base_ = ['../_base_/synthetic_uda.py']
load_from = 'work_dirs/vat_deeplabv2_r18-half-d8_synthetic/iter_400.pth'  # phase 1
frame_offsets = [0, -1, 1]
# Phase 2 keeps the BN statistics of phase 1 (norm_eval): trained with the batch
# statistics of small target batches, the student drifted from its teacher and
# collapsed (docs/uda.md, 'Self-training and BN statistics').
model = dict(
    segmentor=dict(backbone=dict(norm_eval=True)),
    type='SelfTrainingUDA', num_frames=3, pseudo_labels='online',
    keep_fraction=0.5, max_threshold=0.9, consistency=True,
    threshold_momentum=0.9, ema_momentum=0.99, source_loss_weight=0.0)
train_dataloader = dict(dataset=dict(
    target=dict(frame_offsets=frame_offsets, load_flow=True)))
# The default runtime's hooks (a list is replaced, not merged) plus the EMA teacher.
custom_hooks = _base_.custom_hooks + [dict(type='EMATeacherHook')]
optim_wrapper = dict(segmentor=dict(optimizer=dict(lr=0.0025)))
# Offline rounds (tools/misc/gen_pseudo_labels.py) label these clips: no random geometry.
pseudo_label_dataloader = dict(
    batch_size=1, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CityscapesSeqDataset', data_root='data/synthetic/cityscapes',
        split='train', protocol='shared15', rider='person',
        snippet_length=30, all_frames=True, frame_offsets=frame_offsets,
        load_flow=True,
        pipeline=[dict(type='LoadClip'), dict(type='PackClipInputs')]))
