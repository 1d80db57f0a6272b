# tiny_encdec with random augmentation and dropout, deterministic: resuming must
# restore the random generators to match an uninterrupted run.
_base_ = './tiny_encdec.py'
pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=(48, 48)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=pipeline))
data_preprocessor = dict(size=(48, 48))
model = dict(
    data_preprocessor=data_preprocessor,
    decode_head=dict(type='FCNHead', in_channels=256, channels=16,
                     num_convs=1, concat_input=False, dropout_ratio=0.5,
                     num_classes=4, in_index=3,
                     norm_cfg=dict(type='BN', requires_grad=True),
                     _delete_=True))
train_cfg = dict(max_iters=6)
default_hooks = dict(checkpoint=dict(interval=2, max_keep_ckpts=-1))
randomness = dict(seed=0, deterministic=True)
