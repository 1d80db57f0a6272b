# DeepLab-v2 ResNet-101 as the Sim2Real field builds it (AdvEnt, DA-VSN, TPS), so
# that the field's checkpoints load strictly and give the same logits:
# - backbone: caffe-style ResNet-101 (DeepLabV2ResNet): 7x7 stem conv + BN, 3x3/2
#   max-pool rounding up (ceil_mode), stride of a stage's first block on its 1x1
#   conv, stages 3 and 4 dilated 2 and 4 in every block (output stride 8), BN
#   frozen (affine parameters and statistics);
# - decode_head: the field's classifier (`layer6`, or `layer5` in single-level
#   models): four dilated 3x3 convs (6/12/18/24) with bias, summed, no BN;
# - input: BGR (as loaded) minus the caffe mean, no std; logits are upsampled with
#   align_corners=True, as the field's code does.
# The field's multi-level models add the same classifier on stage 3 (`layer5`,
# 1024 channels, loss weight 0.1): in a config inheriting this one,
#   model = dict(auxiliary_head=dict(_delete_=True, **_base_.aux_head))
# Weights: tools/model_converters/convert_checkpoint.py maps the field's files (ImageNet
# initialisation DeepLab_resnet_pretrained_imagenet.pth, trained AdvEnt / DA-VSN /
# TPS models) and torchvision's ResNet-101 to these module names
# (docs/getting_started.md, "The field's DeepLab-v2 and its checkpoints").
# The head and the rest of the segmentor are deeplabv2_r101-d8.py's.
_base_ = './deeplabv2_r101-d8.py'
caffe_mean = [104.00698793, 116.66876762, 122.67891434]
data_preprocessor = dict(mean=caffe_mean, std=[1.0, 1.0, 1.0], bgr_to_rgb=False)
norm_cfg = dict(type='BN', requires_grad=False)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(
        _delete_=True, type='DeepLabV2ResNet', depth=101, strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4), out_indices=(0, 1, 2, 3), style='caffe',
        contract_dilation=False, norm_cfg=norm_cfg, norm_eval=True),
    decode_head=dict(align_corners=True))
aux_head = dict(
    _base_.model.decode_head, in_channels=1024, in_index=2, align_corners=True,
    loss_decode=dict(
        type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.1))
