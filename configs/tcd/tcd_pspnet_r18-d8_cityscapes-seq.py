# Temporal-consistency distillation on Cityscapes sequences (19 classes):
# PSPNet-R18 student, PSPNet-101 teacher (set the checkpoint path), (t, t-1)
# clips with the dataset's ground-truth or precomputed flow files.
_base_ = [
    './_tcd_pspnet_r18-d8.py', '../_base_/clip_preprocessor.py',
    '../_base_/datasets/cityscapes_seq.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k.py'
]
model = dict(
    data_preprocessor=dict(
        _delete_=True, **_base_.clip_preprocessor, size=(512, 1024)),
    decode_head=dict(num_classes=19),
    auxiliary_head=dict(num_classes=19),
    teacher_config='configs/_base_/models/pspnet_r101-d8.py',
    teacher_checkpoint='checkpoints/pspnet_r101-d8_cityscapes-seq.pth')
train_dataloader = dict(
    batch_size=2, num_workers=4, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='CityscapesSeqDataset', data_root='data/cityscapes',
        split='train', protocol='cityscapes19', frame_offsets=[0, -1],
        load_flow=True, load_flow_back=True,
        pipeline={{_base_.cityscapes_train_pipeline}}))
val_dataloader = dict(
    batch_size=1, num_workers=2, persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='CityscapesSeqDataset', data_root='data/cityscapes', split='val',
        protocol='cityscapes19', test_mode=True,
        pipeline={{_base_.cityscapes_test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(type='VideoIoUMetric')
test_evaluator = val_evaluator
