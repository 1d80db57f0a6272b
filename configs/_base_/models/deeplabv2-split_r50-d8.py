_base_ = './deeplabv2-split_r101-d8.py'
model = dict(backbone=dict(depth=50))
