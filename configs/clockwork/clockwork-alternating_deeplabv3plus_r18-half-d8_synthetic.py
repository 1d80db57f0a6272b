# Clockwork on the synthetic benchmark: half-width DeepLab-v3+ R18, whose decoder
# reads the shallowest stage (stride 4) as well as the deepest, so fresh
# shallow features refine the output between deep updates. The clock acts at
# test time; training is the per-frame model's (frame 0 of each clip), so a
# checkpoint of the same network trained per frame loads as is.
# Alternating schedule: stem + layer1 every frame, layer2-4 every other frame.
_base_ = [
    '../_base_/models/deeplabv3plus_r18-half-d8.py',
    '../_base_/clip_preprocessor.py',
    '../_base_/synthetic_video.py'
]
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='ClockworkSegmentor',
    data_preprocessor=dict(
        _delete_=True, **_base_.clip_preprocessor, size=(128, 128)),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=15, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes=15, norm_cfg=norm_cfg),
    schedule='alternating',
    shallow_stages=1,
    test_cfg=dict(mode='whole'))
