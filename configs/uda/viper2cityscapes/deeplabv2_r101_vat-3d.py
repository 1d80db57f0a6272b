# VAT with the 3D-convolution sequence discriminator.
_base_ = ['./deeplabv2_r101_vat.py']
model = dict(discriminator=dict(_delete_=True, type='Sequence3DDiscriminator',
                                num_classes=15, num_frames=3, base_channels=64,
                                num_convs=4))
