_base_ = './deeplabv2_r101-d8.py'
model = dict(
    backbone=dict(depth=18), decode_head=dict(in_channels=512))
