# DeepLab-v2 on a dilated ResNet-101 (output stride 8): the standard network of
# Sim2Real segmentation, with the torchvision-style ResNet stem and no auxiliary head.
# Load ImageNet weights with
#   model.backbone.init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')
# (mmengine downloads it on first use; offline, convert a local copy with
# tools/model_converters/convert_checkpoint.py --config this file and load it with prefix='backbone.',
# docs/getting_started.md). The field's caffe-style DeepLab-v2 and its ImageNet
# initialisation: deeplabv2-caffe_r101-d8.py.
_base_ = './encoder_r50-d8.py'
model = dict(
    backbone=dict(type='ResNet', depth=101),
    # DeepLab-v2's classifier has no channels, dropout or norm of its own: it
    # replaces the encoder's shared decode-head settings.
    decode_head=dict(
        _delete_=True, type='DeepLabV2Head', in_channels=2048, in_index=3,
        dilations=(6, 12, 18, 24), num_classes=19, align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    auxiliary_head=None)
