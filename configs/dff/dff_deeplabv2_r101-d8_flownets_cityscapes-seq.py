# Deep Feature Flow on Cityscapes sequences (19 classes): DeepLab-v2 R101 as the
# feature/task network, FlowNetS at half resolution, key frame every 5 frames.
# Trained end to end on (current, key) pairs: the labelled 20th frame of each
# snippet with a key frame 0..9 frames earlier.
# Initialize with ImageNet weights and a FlowNetS trained on flow, e.g.
#   --cfg-options model.backbone.init_cfg.type=Pretrained \
#     model.backbone.init_cfg.checkpoint=torchvision://resnet101 \
#     model.flow_source.init_cfg.type=Pretrained \
#     model.flow_source.init_cfg.checkpoint=checkpoints/flownets.pth
_base_ = '../_base_/deeplabv2_r101-d8_cityscapes-video.py'
model = dict(
    type='DFFSegmentor',
    backbone=dict(out_indices=(3, )),
    decode_head=dict(in_index=0),
    flow_source=dict(type='FlowNetS', base_channels=64),
    scale_field=dict(type='ScaleFieldHead', out_channels=(2048, ),
                     channels=64),
    flow_input_scale=0.5,
    test_cfg=dict(mode='whole', key_frame_interval=5))
train_dataloader = dict(dataset=dict(frame_offsets=[0, [-9, 0]]))
