# Image-level output-space adversarial training, AdaptSegNet-style (Tsai et al., CVPR
# 2018): the discriminator sees the softmax of single frames, upsampled to the input
# size as the field does (disc_input_size='input'). AdvEnt is
# advent_deeplabv2-caffe_r101-d8_viper2cityscapes.py.
_base_ = ['../_base_/viper2cityscapes_uda.py']
model = dict(type='AdversarialUDA', num_frames=1, gan_type='bce',
             lambda_adv=0.001, disc_input='softmax', disc_input_size='input',
             discriminator=dict(type='SequenceDiscriminator', num_classes=15,
                                num_frames=1, base_channels=64, num_convs=4))
optim_wrapper = dict(discriminator={{_base_.adam}})
param_scheduler = dict(discriminator={{_base_.poly}})
