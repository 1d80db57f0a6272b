# Clockwork on Cityscapes sequences (19 classes) with DeepLab-v2 R101: stem +
# layer1 every frame, layer2-4 every other frame. DeepLab-v2 reads only layer4,
# so between deep updates the output is the last full update's (the paper's
# "full network every other frame"); use the DeepLab-v3+ variant of the
# synthetic configs for shallow refinement. Training is per-frame.
# Initialize the backbone with
#   model.backbone.init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')
_base_ = [
    '../_base_/models/deeplabv2_r101-d8.py',
    '../_base_/clip_preprocessor.py',
    '../_base_/datasets/cityscapes_seq_video_val.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
model = dict(
    type='ClockworkSegmentor',
    data_preprocessor=dict(
        _delete_=True, **_base_.clip_preprocessor, size=(512, 1024)),
    decode_head=dict(num_classes=19),
    schedule='alternating',
    shallow_stages=1,
    test_cfg=dict(mode='whole'))
train_dataloader = dict(
    batch_size=2, num_workers=4, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='CityscapesSeqDataset', data_root='data/cityscapes',
        split='train', protocol='cityscapes19', frame_offsets=[0],
        pipeline={{_base_.cityscapes_train_pipeline}}))
