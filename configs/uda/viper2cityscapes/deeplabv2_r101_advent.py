# Image-level output-space adversarial training (AdvEnt-style), single frames.
_base_ = ['../_base_/viper2cityscapes_uda.py']
model = dict(type='AdversarialUDA', num_frames=1, gan_type='bce',
             lambda_adv=0.001,
             discriminator=dict(type='SequenceDiscriminator', num_classes=15,
                                num_frames=1, base_channels=64, num_convs=4))
optim_wrapper = dict(discriminator={{_base_.adam}})
param_scheduler = dict(discriminator={{_base_.poly}})
