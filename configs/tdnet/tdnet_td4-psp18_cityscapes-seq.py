# TD4-PSP18 on Cityscapes sequences (19 classes): 4-frame clips ending at the
# annotated 20th frame; distilled from a trained PSPNet-101 (set the paths).
_base_ = [
    './_tdnet_td4-psp18.py', '../_base_/clip_preprocessor.py',
    '../_base_/datasets/cityscapes_seq_video_val.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_80k.py'
]
model = dict(
    data_preprocessor=dict(_base_.clip_preprocessor, size=(512, 1024)),
    decode_head=dict(num_classes=19),
    teacher_config='configs/_base_/models/pspnet_r101-d8.py',
    teacher_checkpoint='checkpoints/pspnet_r101-d8_cityscapes-seq.pth',
    teacher_channels=512)
train_dataloader = dict(dataset=dict(frame_offsets=[0, -1, -2, -3]))
