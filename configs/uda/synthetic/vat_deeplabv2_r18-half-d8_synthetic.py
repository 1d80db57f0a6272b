# Phase 1, video adversarial training (VAT): sequence discriminator on the softmax of
# frames t-1..t (channel concatenation), LS-GAN, adversarial term on target clips.
_base_ = ['../_base_/synthetic_uda.py']
frame_offsets = [0, -1]
model = dict(
    type='AdversarialUDA', num_frames=2, gan_type='ls', lambda_adv=0.001,
    discriminator=dict(type='SequenceDiscriminator', num_classes=15,
                       num_frames=2, base_channels=64, num_convs=3))
train_dataloader = dict(dataset=dict(
    source=dict(frame_offsets=frame_offsets),
    target=dict(frame_offsets=frame_offsets)))
optim_wrapper = dict(discriminator=_base_.adam)
param_scheduler = dict(discriminator=_base_.d_poly)
