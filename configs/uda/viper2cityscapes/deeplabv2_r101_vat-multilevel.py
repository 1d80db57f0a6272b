# VAT with multi-level alignment: a second sequence discriminator on the auxiliary
# head's predictions (res4 features), weight 2e-4.
_base_ = ['./deeplabv2_r101_vat.py']
model = dict(
    segmentor=dict(auxiliary_head=dict(
        _delete_=True, type='DeepLabV2Head', in_channels=1024, in_index=2,
        dilations=(6, 12, 18, 24), num_classes=15, align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False,
                         loss_weight=0.1))),
    aux_discriminator=dict(type='SequenceDiscriminator', num_classes=15,
                           num_frames=3, base_channels=64, num_convs=4),
    lambda_adv_aux=0.0002)
optim_wrapper = dict(aux_discriminator={{_base_.adam}})
param_scheduler = dict(aux_discriminator={{_base_.poly}})
