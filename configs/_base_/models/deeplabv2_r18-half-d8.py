# Small DeepLab-v2 for CPU runs and tests: dilated ResNet-18 (V1c stem) at half width.
_base_ = './deeplabv2_r101-d8.py'
model = dict(
    backbone=dict(
        type='ResNetV1c', depth=18, stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=256))
