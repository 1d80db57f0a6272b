# VAT with multi-level alignment (the field's two levels: DA-VSN
# TRAIN.LAMBDA_ADV_MAIN = 1e-3, LAMBDA_ADV_AUX = 2e-4): a second sequence
# discriminator on the auxiliary head's predictions (stage-3 features; the head and
# its 0.1 segmentation weight come from configs/uda/_base_/viper2cityscapes_uda.py).
_base_ = ['./vat_deeplabv2-caffe_r101-d8_viper2cityscapes.py']
model = dict(
    aux_discriminator=dict(type='SequenceDiscriminator', num_classes=15,
                           num_frames=3, base_channels=64, num_convs=4),
    lambda_adv_aux=0.0002)
optim_wrapper = dict(aux_discriminator={{_base_.adam}})
param_scheduler = dict(aux_discriminator={{_base_.poly}})
