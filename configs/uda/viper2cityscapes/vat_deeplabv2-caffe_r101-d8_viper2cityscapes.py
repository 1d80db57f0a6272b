# Phase 1, video adversarial training: sequence discriminator over the softmax of
# frames t-2..t (channel concatenation), output space.
_base_ = ['../_base_/viper2cityscapes_uda.py']
frame_offsets = [0, -1, -2]
# The discriminator sees the predictions upsampled to the input size, as the field's
# AdvEnt and DA-VSN do (disc_input_size='input'; 'decoder': stride 8).
model = dict(type='AdversarialUDA', num_frames=3, gan_type='bce',
             lambda_adv=0.001, disc_input_size='input',
             discriminator=dict(type='SequenceDiscriminator', num_classes=15,
                                num_frames=3, base_channels=64, num_convs=4))
train_dataloader = dict(dataset=dict(
    source=dict(frame_offsets=frame_offsets),
    target=dict(frame_offsets=frame_offsets)))
optim_wrapper = dict(discriminator={{_base_.adam}})
param_scheduler = dict(discriminator={{_base_.poly}})
