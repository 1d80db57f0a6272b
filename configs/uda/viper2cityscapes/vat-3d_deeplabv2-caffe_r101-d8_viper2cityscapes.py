# VAT with the 3D-convolution sequence discriminator.
_base_ = ['./vat_deeplabv2-caffe_r101-d8_viper2cityscapes.py']
model = dict(discriminator=dict(_delete_=True, type='Sequence3DDiscriminator',
                                num_classes=15, num_frames=3, base_channels=64,
                                num_convs=4))
