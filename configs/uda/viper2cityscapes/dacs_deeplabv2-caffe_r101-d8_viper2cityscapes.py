# DACS (Tranheden et al., WACV 2021) on the field's DeepLab-v2: source supervision plus
# ClassMix of half of each VIPER frame's classes onto a Cityscapes frame, labelled by an
# EMA teacher (momentum 0.99) and weighted by the fraction of target pixels above
# confidence 0.968; colour jitter and blur on the mixed frame. Mixing needs one crop
# size in both domains: VIPER resized to 1280x720 and Cityscapes to 1024x512, random
# 512x512 crops, flip and photometric distortion (DAFormer's pipeline).
_base_ = ['../_base_/viper2cityscapes_uda.py']
crop_size = (512, 512)
model = dict(
    type='DACS', num_frames=1, pseudo_threshold=0.968, consistency=False,
    mix_frames=1, ema_momentum=0.99, pseudo_loss_weight=1.0,
    source_loss_weight=1.0, jitter=0.2, jitter_prob=0.2, blur_prob=0.5)


def mix_steps(scale, cat_max_ratio):
    """Resize to ``scale``, one 512x512 crop, flip, photometric distortion.

    The target's crops never look at its labels (``cat_max_ratio=1.0``).
    """
    return [
        dict(type='ClipBroadcaster', share_random_params=True, transforms=[
            dict(type='FlowAwareResize', scale=scale, keep_ratio=True),
            dict(type='FlowAwareRandomCrop', crop_size=crop_size,
                 cat_max_ratio=cat_max_ratio),
            dict(type='FlowAwareRandomFlip', prob=0.5)]),
        dict(type='ClipPhotoMetricDistortion', per_frame=False),
        dict(type='PackClipInputs'),
    ]


train_dataloader = dict(dataset=dict(
    source=dict(pipeline=[dict(type='LoadClip')] + mix_steps((1280, 720), 0.75)),
    target=dict(pipeline=[dict(type='LoadClip'), {{_base_.pseudo_label_step}}]
                + mix_steps((1024, 512), 1.0))))
# The default runtime's hooks (a list is replaced, not merged) plus the EMA teacher.
custom_hooks = _base_.custom_hooks + [dict(type='EMATeacherHook')]
