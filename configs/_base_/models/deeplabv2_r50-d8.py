_base_ = './deeplabv2_r101-d8.py'
model = dict(backbone=dict(depth=50))
