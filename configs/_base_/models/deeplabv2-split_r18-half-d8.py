# Small split DeepLab-v2 for CPU runs: dilated ResNet-18 (V1c stem) at half width,
# ASPP to 128 channels, a 1x1 classifier.
_base_ = './deeplabv2-split_r101-d8.py'
model = dict(
    backbone=dict(
        type='ResNetV1c', depth=18, stem_channels=32, base_channels=32),
    neck=dict(in_channels=256, out_channels=128),
    decode_head=dict(in_channels=128, channels=128))
