# Image-level output-space adversarial training (AdvEnt-style, single frames, LS-GAN).
_base_ = ['../_base_/synthetic_uda.py']
model = dict(
    type='AdversarialUDA', num_frames=1, gan_type='ls', lambda_adv=0.001,
    discriminator=dict(type='SequenceDiscriminator', num_classes=15,
                       num_frames=1, base_channels=64, num_convs=3))
adam = dict(type='OptimWrapper',
            optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.99)))
optim_wrapper = dict(discriminator=adam)
param_scheduler = dict(discriminator=[
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=400,
         by_epoch=False)
])
