_base_ = './deeplabv3plus_r50-d8.py'
model = dict(backbone=dict(depth=101))
