# Accel-style fusion on the synthetic benchmark (tools/dataset_converters/make_synthetic_dataset.py
# --out data/synthetic): half-width DeepLab-v2 R18 reference branch on key frames,
# quarter-width R18 + FCN update branch on every frame, narrow FlowNetS at half
# resolution; trained end to end on (current, key) pairs of labelled target clips.
# Run from the repository root with PYTHONPATH=. (so `projects` imports).
_base_ = [
    '../../../configs/_base_/models/deeplabv2_r18-half-d8.py',
    '../../../configs/_base_/clip_preprocessor.py',
    '../../../configs/_base_/synthetic_video.py'
]
# The plug-in's types register themselves when this module is imported.
custom_imports = dict(
    imports=['projects.accel_fusion.accel_fusion'], allow_failed_imports=False)
num_classes = 15
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='AccelSegmentor',
    data_preprocessor=dict(
        _delete_=True, **_base_.clip_preprocessor, size=(128, 128)),
    backbone=dict(norm_cfg=norm_cfg, out_indices=(3, )),
    decode_head=dict(in_index=0, num_classes=num_classes),
    update_backbone=dict(
        type='ResNetV1c', depth=18, stem_channels=16, base_channels=16,
        num_stages=4, out_indices=(3, ), strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4), norm_cfg=norm_cfg, contract_dilation=True),
    update_head=dict(
        type='FCNHead', in_channels=128, in_index=0, channels=32, num_convs=1,
        concat_input=False, dropout_ratio=0.1, num_classes=num_classes,
        norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4)),
    flow_source=dict(type='FlowNetS', base_channels=16),
    fusion=dict(type='ScoreFusion', num_classes=num_classes,
                update_weight=0.5),
    flow_input_scale=0.5,
    test_cfg=dict(mode='whole', key_frame_interval=5))
# (current, key) pairs: the key 0..4 frames before the labelled frame.
train_dataloader = dict(dataset=dict(frame_offsets=[0, [-4, 0]]))
