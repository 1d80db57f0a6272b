# TD4-PSP18 with grouped knowledge distillation from the half-width PSPNet-R50
# teacher of ./per-frame_pspnet_r50-half-d8_synthetic.py (train that first; its decoder
# feature has 256 channels). The checkpoint path below is where tools/train.py leaves it.
_base_ = './tdnet_td4-psp18_synthetic.py'
model = dict(
    teacher_config='configs/tdnet/per-frame_pspnet_r50-half-d8_synthetic.py',
    teacher_checkpoint='work_dirs/per-frame_pspnet_r50-half-d8_synthetic/iter_600.pth',
    teacher_channels=256)
