_base_ = './fcn_r50-d8.py'
model = dict(backbone=dict(depth=101))
