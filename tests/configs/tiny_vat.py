# VAT of configs/uda/synthetic with no random transforms and frozen BN
# statistics: 2 ranks x 1 clip pair must match 1 rank x 2 clip pairs.
_base_ = ['../../configs/uda/synthetic/vat_deeplabv2_r18-half-d8_synthetic.py']
pipeline = [
    dict(type='LoadClip'),
    dict(type='ClipBroadcaster', transforms=[
        dict(type='FlowAwareResize', scale=(128, 64), keep_ratio=False)]),
    dict(type='PackClipInputs'),
]
model = dict(segmentor=dict(backbone=dict(norm_eval=True)))
train_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(source=dict(pipeline=pipeline),
                 target=dict(pipeline=pipeline)))
