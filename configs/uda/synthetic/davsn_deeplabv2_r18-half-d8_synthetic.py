# DA-VSN-style temporal consistency regularisation (Guan et al., ICCV 2021). Clips of
# frames t and t-1 with flow in both domains. Cross-domain TCR: a discriminator on the
# pair (prediction of t, prediction of t-1 warped to t) tells source from target;
# intra-domain TCR: a second one tells confident target clips (mean entropy below a
# running threshold) from uncertain ones, and the segmentor pushes the uncertain ones
# towards the confident. LS-GAN as the other synthetic adversarial configs.
#   python tools/train.py configs/uda/synthetic/davsn_deeplabv2_r18-half-d8_synthetic.py
_base_ = ['../_base_/synthetic_uda.py']
frame_offsets = [0, -1]
discriminator = dict(type='SequenceDiscriminator', num_classes=15, num_frames=2,
                     base_channels=64, num_convs=3)
model = dict(
    type='DAVSN', gan_type='ls', lambda_adv=0.001, lambda_intra=0.001,
    warp_previous=True, entropy_momentum=0.99, disc_input_size='decoder',
    discriminator=discriminator, intra_discriminator=discriminator)
train_dataloader = dict(dataset=dict(
    source=dict(frame_offsets=frame_offsets, load_flow=True),
    target=dict(frame_offsets=frame_offsets, load_flow=True)))
optim_wrapper = dict(discriminator=_base_.adam,
                     intra_discriminator=_base_.adam)
param_scheduler = dict(discriminator=_base_.d_poly,
                       intra_discriminator=_base_.d_poly)
