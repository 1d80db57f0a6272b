_base_ = './encoder_r50-d8.py'
model = dict(
    decode_head=dict(
        type='DepthwiseSeparableASPPHead',
        dilations=(1, 12, 24, 36),
        c1_in_channels=256,
        c1_channels=48))
