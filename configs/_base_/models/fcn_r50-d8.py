_base_ = './encoder_r50-d8.py'
model = dict(
    decode_head=dict(
        type='FCNHead',
        num_convs=2,
        concat_input=True,
        in_channels=2048,
        in_index=3,
        channels=512,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
