# Image-level output-space adversarial training, AdaptSegNet-style (Tsai et al., CVPR
# 2018): the discriminator sees the softmax of single frames, LS-GAN. AdvEnt (the
# discriminator on self-information maps) is advent_deeplabv2_r18-half-d8_synthetic.py.
_base_ = ['../_base_/synthetic_uda.py']
model = dict(
    type='AdversarialUDA', num_frames=1, gan_type='ls', lambda_adv=0.001,
    disc_input='softmax', disc_input_size='decoder',
    discriminator=dict(type='SequenceDiscriminator', num_classes=15,
                       num_frames=1, base_channels=64, num_convs=3))
optim_wrapper = dict(discriminator=_base_.adam)
param_scheduler = dict(discriminator=_base_.d_poly)
