# TD4-PSP18 on the synthetic benchmark (tools/dataset_converters/make_synthetic_dataset.py --out
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
train_dataloader = dict(dataset=dict(frame_offsets=[0, -1, -2, -3]))
