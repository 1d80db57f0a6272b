# Deep Feature Flow on the split DeepLab-v2 (configs/_base_/models/deeplabv2-split_r101-d8.py):
# ResNet-101 + the ASPP to 256 channels on key frames, the propagated 256 channels
# classified by a 1x1 conv on every frame (a propagated frame pays flow, scale field,
# warp and the 1x1 conv, not the ASPP). FlowNetS at half resolution, key frame every 5
# frames; data, training and initialization as the DeepLab-v2 config this one starts from.
_base_ = [
    './dff_deeplabv2_r101-d8_flownets_cityscapes-seq.py',
    '../_base_/models/deeplabv2-split_parts.py'
]
model = dict(
    neck={{_base_.split_neck}},
    decode_head={{_base_.split_head}},
    scale_field=dict(out_channels=(256, )))
