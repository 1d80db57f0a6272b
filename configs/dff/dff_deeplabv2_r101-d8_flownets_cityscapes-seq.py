# Deep Feature Flow on Cityscapes sequences (19 classes): DeepLab-v2 R101 as the
# feature/task network, FlowNetS at half resolution, key frame every 5 frames.
# Trained end to end on (current, key) pairs: the labelled 20th frame of each
# snippet with a key frame 0..9 frames earlier.
# Initialize with ImageNet weights and a FlowNetS trained on flow, e.g.
#   --cfg-options model.backbone.init_cfg.type=Pretrained \
#     model.backbone.init_cfg.checkpoint=torchvision://resnet101 \
#     model.flow_net.init_cfg.type=Pretrained \
#     model.flow_net.init_cfg.checkpoint=checkpoints/flownets.pth
_base_ = [
    '../_base_/models/deeplabv2_r101-d8.py',
    '../_base_/clip_preprocessor.py',
    '../_base_/datasets/cityscapes_seq_video_val.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_40k.py'
]
model = dict(
    type='DFFSegmentor',
    data_preprocessor=dict(
        _delete_=True, **_base_.clip_preprocessor, size=(512, 1024)),
    backbone=dict(out_indices=(3, )),
    decode_head=dict(in_index=0, num_classes=19),
    flow_net=dict(type='FlowNetS', base_channels=64),
    scale_field=dict(type='ScaleFieldHead', out_channels=(2048, ),
                     channels=64),
    flow_input_scale=0.5,
    test_cfg=dict(mode='whole', key_frame_interval=5))
train_dataloader = dict(
    batch_size=2, num_workers=4, persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='CityscapesSeqDataset', data_root='data/cityscapes',
        split='train', protocol='cityscapes19', frame_offsets=[0, [-9, 0]],
        pipeline={{_base_.cityscapes_train_pipeline}}))
