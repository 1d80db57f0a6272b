# Small variant for CPU runs and tests: dilated ResNet-18 at half width.
_base_ = './pspnet_r50-d8.py'
model = dict(
    backbone=dict(depth=18, stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=256, channels=64),
    auxiliary_head=dict(in_channels=128, channels=32))
