# Ablation: the temporal loss alone (no teacher).
_base_ = './tcd_pspnet_r18-half-d8_synthetic.py'
model = dict(teacher_config=None, teacher_checkpoint=None)
