# AdvEnt (Vu et al., CVPR 2019, valeoai/ADVENT): the discriminator sees the weighted
# self-information maps -p log p / log K of each class, computed on the prediction
# upsampled to the input size; BCE, lambda_adv 1e-3. Multi-level AdvEnt adds
#   model = dict(aux_discriminator=dict(type='SequenceDiscriminator', num_classes=15,
#                num_frames=1, base_channels=64, num_convs=4), lambda_adv_aux=0.0002)
# with optim_wrapper.aux_discriminator and param_scheduler.aux_discriminator.
_base_ = ['./adaptsegnet_deeplabv2-caffe_r101-d8_viper2cityscapes.py']
model = dict(disc_input='self_information')
