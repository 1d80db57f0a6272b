# The neck and classifier of the split DeepLab-v2 (deeplabv2-split_r101-d8.py) for
# ResNet-50/101 and 19 classes, as variables that DFF configs take with
# {{_base_.split_neck}} / {{_base_.split_head}} next to their own base: DeepLab-v2's
# ASPP (four dilated 3x3 convs, summed, linear) to 256 feature channels, a 1x1 conv
# to the classes.
split_neck = dict(
    type='ConvNeck',
    in_channels=2048,
    out_channels=256,
    kernel_size=3,
    dilations=(6, 12, 18, 24),
    act_cfg=None)
split_head = dict(
    _delete_=True, type='FCNHead', in_channels=256, in_index=0, channels=256,
    num_convs=0, concat_input=False, dropout_ratio=0.0, num_classes=19,
    align_corners=False,
    loss_decode=dict(
        type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0))
