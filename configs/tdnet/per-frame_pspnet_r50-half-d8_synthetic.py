# The deep per-frame teacher on the synthetic benchmark: PSPNet on a half-width
# dilated ResNet-50 (BN; 1024-channel stage 4, 256-channel decoder feature),
# 50 layers deep against the students' 18 at about 2.3x their compute, so that
# it trains on 2 CPU cores in minutes. Also the per-frame reference for TDNet.
_base_ = '../synthetic/target-oracle_deeplabv2_r18-half-d8_synthetic.py'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    _delete_=True,
    type='ClipEncoderDecoder',
    data_preprocessor=dict(_base_.clip_preprocessor, size=(128, 128)),
    backbone=dict(
        type='ResNetV1c', depth=50, stem_channels=32, base_channels=32,
        num_stages=4, out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1), norm_cfg=norm_cfg,
        norm_eval=False, style='pytorch', contract_dilation=True),
    decode_head=dict(
        type='PSPHead', in_channels=1024, in_index=3, channels=256,
        pool_scales=(1, 2, 3, 6), dropout_ratio=0.1, num_classes=15,
        norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
train_dataloader = dict(
    dataset=dict(
        _delete_=True, type='CityscapesSeqDataset',
        data_root='data/synthetic/cityscapes', split='train',
        protocol='shared15', rider='person', snippet_length=30,
        pipeline={{_base_.train_pipeline}}))
# Tested like the video models (every val frame in order) for mIoU and TC.
val_dataloader = dict(_delete_=True, **_base_.sequential_video_loader)
test_dataloader = val_dataloader
val_evaluator = _base_.video_evaluator
test_evaluator = val_evaluator
