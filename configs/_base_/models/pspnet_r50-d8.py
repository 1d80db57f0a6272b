_base_ = './encoder_r50-d8.py'
model = dict(decode_head=dict(type='PSPHead', pool_scales=(1, 2, 3, 6)))
