_base_ = './encoder_r50-d8.py'
model = dict(
    decode_head=dict(type='FCNHead', num_convs=2, concat_input=True))
