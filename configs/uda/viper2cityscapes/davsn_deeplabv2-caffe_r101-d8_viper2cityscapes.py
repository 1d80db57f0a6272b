# DA-VSN-style temporal consistency regularisation (Guan et al., ICCV 2021,
# Dayan-Guan/DA-VSN) on the field's protocol: whole frames t and t-1 of both domains
# with flow (VIPER: tools/dataset_converters/convert_viper_flow.py or tools/dataset_converters/compute_flow.py; Cityscapes:
# tools/dataset_converters/compute_flow.py); cross-domain TCR discriminator on (prediction of t,
# prediction of t-1 warped to t) upsampled to the input size, intra-domain TCR between
# confident and uncertain target clips; BCE, both weights 1e-3 (DA-VSN's lamda_u).
_base_ = ['../_base_/viper2cityscapes_uda.py']
frame_offsets = [0, -1]
discriminator = dict(type='SequenceDiscriminator', num_classes=15, num_frames=2,
                     base_channels=64, num_convs=4)
model = dict(
    type='DAVSN', gan_type='bce', lambda_adv=0.001, lambda_intra=0.001,
    warp_previous=True, entropy_momentum=0.99, disc_input_size='input',
    discriminator=discriminator, intra_discriminator=discriminator)
train_dataloader = dict(dataset=dict(
    source=dict(frame_offsets=frame_offsets, load_flow=True),
    target=dict(frame_offsets=frame_offsets, load_flow=True)))
optim_wrapper = dict(discriminator={{_base_.adam}},
                     intra_discriminator={{_base_.adam}})
param_scheduler = dict(discriminator={{_base_.poly}},
                       intra_discriminator={{_base_.poly}})
