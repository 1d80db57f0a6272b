# Deep Feature Flow on the synthetic benchmark with the split DeepLab-v2
# (configs/_base_/models/deeplabv2-split_r18-half-d8.py): half-width R18 + the ASPP to
# 128 channels on key frames, a 1x1 classifier on every frame. Data, flow network and
# schedule as the DeepLab-v2 config this one starts from; the current frame's own loss
# is added (frame_loss_weight; 0 = the DFF paper's training).
_base_ = [
    './dff_deeplabv2_r18-half-d8_flownets_synthetic.py',
    '../_base_/models/deeplabv2-split_parts.py'
]
model = dict(
    neck=dict(_base_.split_neck, in_channels=256, out_channels=128),
    decode_head=dict(
        _base_.split_head, in_channels=128, channels=128, num_classes=15),
    scale_field=dict(out_channels=(128, )),
    frame_loss_weight=1.0)
