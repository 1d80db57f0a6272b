# TD4-PSP18: four paths, each a half-width dilated ResNet-18 with a PSP encoder
# to a 128-channel sub-feature; the APM recomposes a 512-channel full feature
# (the channels of the PSPNet-101 teacher's decoder feature, for grouped KD).
norm_cfg = dict(type='SyncBN', requires_grad=True)
num_paths = 4
sub_channels = 128
model = dict(
    type='TDNet',
    num_paths=num_paths,
    sub_network=dict(
        type='PSPSubNetwork',
        backbone=dict(
            type='ResNetV1c', depth=18, stem_channels=32, base_channels=32,
            num_stages=4, out_indices=(3, ), dilations=(1, 1, 2, 4),
            strides=(1, 2, 1, 1), norm_cfg=norm_cfg, norm_eval=False,
            style='pytorch', contract_dilation=True),
        in_channels=256, channels=64, out_channels=sub_channels,
        pool_scales=(1, 2, 3, 6), norm_cfg=norm_cfg),
    apm=dict(type='AttentionPropagation', num_paths=num_paths,
             in_channels=sub_channels, key_channels=64, downsample=4),
    # A light head on the full feature: one 1x1 conv, then the classifier.
    decode_head=dict(
        type='FCNHead', in_channels=num_paths * sub_channels, in_index=0,
        channels=256, num_convs=1, kernel_size=1, concat_input=False,
        dropout_ratio=0.1,
        num_classes=19, norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    # Grouped KD from a trained PSPNet-101 (its decoder feature has 512
    # channels); set teacher_config=None to train without a teacher.
    teacher_config=None,
    teacher_checkpoint=None,
    teacher_channels=512,
    full_kd_weight=0.1,
    sub_kd_weight=0.1,
    logit_kd_weight=1.0,
    kd_temperature=1.0,
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
# Several processes: each clip's attention propagation uses the query / key /
# value convs of its own path order, so some receive no gradient in a step.
find_unused_parameters = True
