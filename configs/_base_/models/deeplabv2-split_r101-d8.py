# DeepLab-v2 on a dilated ResNet-101 (output stride 8), split for Deep Feature Flow:
# the ASPP's four dilated 3x3 convs map to 256 feature channels (ConvNeck, linear)
# instead of class scores, and a 1x1 conv classifies them (deeplabv2-split_parts.py).
# Run per frame it is a DeepLab-v2 head of rank 256 (>= the classes); DFF runs
# backbone + ASPP on key frames only, propagates the 256 channels and runs the 1x1
# classifier on every frame.
_base_ = ['./deeplabv2_r101-d8.py', './deeplabv2-split_parts.py']
model = dict(
    backbone=dict(out_indices=(3, )),
    neck={{_base_.split_neck}},
    decode_head={{_base_.split_head}})
