# VAT with the 3D-convolution sequence discriminator (time is a conv axis).
_base_ = ['./vat_deeplabv2_r18-half-d8_synthetic.py']
model = dict(discriminator=dict(_delete_=True, type='Sequence3DDiscriminator',
                                num_classes=15, num_frames=2, base_channels=32,
                                num_convs=3))
