# DACS (Tranheden et al., WACV 2021): source supervision plus ClassMix of half of each
# source frame's classes onto a target frame, labelled by an EMA teacher (argmax) and
# weighted by the fraction of target pixels whose confidence exceeds 0.968; the mixed
# frame is strongly augmented (colour jitter, blur). Both domains use 128x128 crops
# (mixing needs the same crop size).
#   python tools/train.py configs/uda/synthetic/dacs_deeplabv2_r18-half-d8_synthetic.py
_base_ = ['../_base_/synthetic_uda.py']
model = dict(
    type='DACS', num_frames=1, pseudo_threshold=0.968, consistency=False,
    mix_frames=1, ema_momentum=0.99, pseudo_loss_weight=1.0,
    source_loss_weight=1.0, jitter=0.2, jitter_prob=0.2, blur_prob=0.5)
# The default runtime's hooks (a list is replaced, not merged) plus the EMA teacher.
custom_hooks = _base_.custom_hooks + [dict(type='EMATeacherHook')]
