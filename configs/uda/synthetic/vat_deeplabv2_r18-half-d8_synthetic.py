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
adam = dict(type='OptimWrapper',
            optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99)))
optim_wrapper = dict(discriminator=adam)
param_scheduler = dict(discriminator=[
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=400,
         by_epoch=False)
])
