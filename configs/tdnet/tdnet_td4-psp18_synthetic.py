# TD4-PSP18 on the synthetic benchmark (tools/make_synthetic_dataset.py --out
# data/synthetic): trained on labelled target-domain clips of 4 frames, tested
# frame by frame on every frame of the val videos in order (VideoSampler).
_base_ = [
    './_tdnet_td4-psp18.py', '../_base_/clip_preprocessor.py',
    '../_base_/synthetic_video.py'
]
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(_base_.clip_preprocessor, size=(128, 128)),
    sub_network=dict(backbone=dict(norm_cfg=norm_cfg), norm_cfg=norm_cfg),
    decode_head=dict(num_classes=15, norm_cfg=norm_cfg),
    teacher_channels=256)
train_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='CityscapesSeqDataset', data_root='data/synthetic/cityscapes',
        split='train', protocol='shared15', rider='person',
        snippet_length=30, frame_offsets=[0, -1, -2, -3],
        pipeline={{_base_.train_pipeline}}))
