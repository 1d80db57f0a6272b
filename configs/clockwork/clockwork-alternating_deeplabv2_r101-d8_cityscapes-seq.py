# Clockwork on Cityscapes sequences (19 classes) with DeepLab-v2 R101: stem +
# layer1 every frame, layer2-4 every other frame. DeepLab-v2 reads only layer4,
# so between deep updates the output is the last full update's (the paper's
# "full network every other frame"); use the DeepLab-v3+ variant of the
# synthetic configs for shallow refinement. Training is per-frame.
# Initialize the backbone with
#   model.backbone.init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101')
_base_ = '../_base_/deeplabv2_r101-d8_cityscapes-video.py'
model = dict(
    type='ClockworkSegmentor', schedule='alternating', shallow_stages=1)
