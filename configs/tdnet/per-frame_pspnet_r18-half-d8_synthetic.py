# The per-frame model of TD4-PSP18's path depth (PSPNet, half-width R18):
# the baseline TDNet must beat in mIoU on the synthetic benchmark.
_base_ = './per-frame_pspnet_r50-half-d8_synthetic.py'
model = dict(
    backbone=dict(depth=18, stem_channels=32, base_channels=32),
    decode_head=dict(in_channels=256, channels=64))
